import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("serves health and node info through the Worker entry", async () => {
  const health = await SELF.fetch("http://hub.test/healthz");
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok", database: "ok" });
  const node = await SELF.fetch("http://hub.test/v1/node");
  const body = (await node.json()) as { network: string; node_pubkey: string };
  expect(body.network).toBe("regtest");
  expect(body.node_pubkey).toMatch(/^0[23][0-9a-f]{64}$/);
});
