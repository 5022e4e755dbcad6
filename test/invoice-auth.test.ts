/**
 * Invoice creation in one D1 round trip: the key this isolate already authenticated is taken from
 * memory and the write batch re-checks it, so a revocation or a merchant's new settings still take
 * effect on the very next request, with the same error codes as before.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import { refreshRates } from "../src/rates/service";
import { countedD1 } from "./d1-count";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";

const clock = testClock();
const h = hub(clock);

beforeAll(async () => {
  expect((await refreshRates(openDb(env.DB), loadConfig(h.env).rates, clock.nowMs())).rated).toContain("EUR");
});

/** A hub over its own counted binding: an isolate whose memory starts empty. */
const isolate = () => {
  const d1 = countedD1();
  return { d1, hub: hub(clock, { DB: d1.db }) };
};

const create = (on: ReturnType<typeof hub>, key: string) =>
  on.call("POST", "/v1/invoices", { key, body: { amount_msat: 21_000, description: "one trip" } });

describe("invoice creation and merchant auth", () => {
  it("costs one D1 round trip once this isolate knows the key (two the first time)", async () => {
    const { key } = await newMerchant(h, "One Trip Shop");
    const i = isolate();
    expect((await create(i.hub, key)).status).toBe(201);
    expect(i.d1.trips()).toBe(2);
    for (let n = 0; n < 3; n++) {
      i.d1.reset();
      const res = await create(i.hub, key);
      expect(res.status).toBe(201);
      expect(i.d1.trips()).toBe(1);
      expect((await h.call("GET", `/v1/invoices/${res.body.id}`, { key })).body.status).toBe("open");
    }
  });

  it("refuses a revoked key on the very next request (401 invalid_api_key) and writes nothing", async () => {
    const { key } = await newMerchant(h, "Revoking Shop");
    const minted = (await h.call("POST", "/v1/api-keys", { key, body: { label: "till" } })).body;
    const i = isolate();
    expect((await create(i.hub, minted.secret)).status).toBe(201);
    expect((await create(i.hub, minted.secret)).status).toBe(201);
    // Revoked through another isolate: this one's memory still holds the key.
    expect((await h.call("DELETE", `/v1/api-keys/${minted.id}`, { key })).status).toBe(200);
    const before = await tableCounts();
    const refused = await create(i.hub, minted.secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("invalid_api_key");
    expect(await tableCounts()).toEqual(before);
    expect((await create(i.hub, minted.secret)).body.error.code).toBe("invalid_api_key");
    // The merchant's other key is untouched.
    expect((await create(i.hub, key)).status).toBe(201);
  });

  it("keeps the codes: a remembered key lacking the scope gets 403, the same key revoked gets 401", async () => {
    const { key } = await newMerchant(h, "Scoped Shop");
    const reader = (
      await h.call("POST", "/v1/api-keys", { key, body: { scopes: ["invoices:read"], label: "reader" } })
    ).body;
    const i = isolate();
    expect((await i.hub.call("GET", "/v1/invoices", { key: reader.secret })).status).toBe(200);
    const denied = await create(i.hub, reader.secret);
    expect([denied.status, denied.body.error.code]).toEqual([403, "insufficient_scope"]);
    await h.call("DELETE", `/v1/api-keys/${reader.id}`, { key });
    const revoked = await create(i.hub, reader.secret);
    expect([revoked.status, revoked.body.error.code]).toEqual([401, "invalid_api_key"]);
  });

  it("a merchant's new display currency applies to the very next invoice from a remembering isolate", async () => {
    const { key } = await newMerchant(h, "Switching Shop");
    const i = isolate();
    const plain = await create(i.hub, key);
    expect([plain.status, plain.body.rate]).toEqual([201, null]);
    const patched = await h.call("PATCH", "/v1/merchant", { key, body: { display_currency: "EUR" } });
    expect(patched.status).toBe(200);
    const priced = await create(i.hub, key);
    expect(priced.status).toBe(201);
    expect(priced.body.rate).toMatchObject({ currency: "EUR" });
  });
});
