/**
 * Runs in Node before the workerd test pool. Test files that touch the chain each get their own
 * real bcoin regtest node (mining, reorgs and locktimes in one file never disturb another file
 * running in parallel): they ask for one from a small control server on loopback, since workerd
 * cannot spawn processes. Every node is stopped at the end of the run.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { hexToBytes } from "../src/crypto";
import { prepareChain, startRegtest } from "../scripts/lib/regtest.mjs";
import { TEST_BINDINGS } from "./bindings";
import { startRateProviders } from "./rate-providers";
import { startWebhookReceivers } from "./webhook-receiver";

declare module "vitest" {
  export interface ProvidedContext {
    /** POST here → `{url, user, password}` of a fresh regtest node, mined past segwit, faucet funded. */
    regtestControlUrl: string;
  }
}

type Node = Awaited<ReturnType<typeof startRegtest>>;

export default async function setup(project: TestProject) {
  const nodes: Node[] = [];
  const faucet = hexToBytes(TEST_BINDINGS.FAUCET_SECRET);
  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    startRegtest()
      .then(async (node) => {
        nodes.push(node);
        await prepareChain(node, faucet);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ url: node.url, user: node.user, password: node.password }));
      })
      .catch((e: Error) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(e.message);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("regtestControlUrl", `http://127.0.0.1:${port}/nodes`);
  const receivers = await startWebhookReceivers();
  project.provide("webhookControlUrl", receivers.url);
  const rateProviders = await startRateProviders();
  project.provide("rateControlUrl", rateProviders.url);
  return async () => {
    server.close();
    await receivers.close();
    await rateProviders.close();
    await Promise.all(nodes.map((node) => node.stop()));
  };
}
