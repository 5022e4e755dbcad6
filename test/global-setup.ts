/**
 * Runs in Node before the workerd test pool. Test files that touch the chain each get their own
 * real bcoin regtest node (mining, reorgs and locktimes in one file never disturb another file
 * running in parallel): they ask for one from a small control server on loopback, since workerd
 * cannot spawn processes. Every node is stopped at the end of the run.
 *
 * Mining the 500 blocks every node needs (faucet coinbases, then past segwit activation) is done
 * once: a template node mines them into a data directory, and each file's node starts from its
 * own copy of that directory (a real chain bcoin mined and validated; the same state a fresh node
 * reaches after prepareChain, in a third of the time).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { hexToBytes } from "../src/crypto";
import { prepareChain, startRegtest } from "../scripts/lib/regtest.mjs";
import { TEST_BINDINGS } from "./bindings";
import { startFaultProxy } from "./fault-proxy";
import { startRateProviders } from "./rate-providers";
import { startWebhookReceivers } from "./webhook-receiver";

declare module "vitest" {
  export interface ProvidedContext {
    /** POST here → `{url, user, password}` of a fresh regtest node, mined past segwit, faucet funded. */
    regtestControlUrl: string;
    /** POST `{url}` of a node here → `{url}` of a fault-injecting proxy in front of it (test/fault-proxy.ts). */
    faultProxyControlUrl: string;
  }
}

type Node = Awaited<ReturnType<typeof startRegtest>>;

/** Mines a prepared chain into a fresh data directory, stops the node, and returns the directory. */
async function chainTemplate(faucet: Uint8Array): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-regtest-template-"));
  const node = await startRegtest({ dataDir: dir });
  try {
    await prepareChain(node, faucet);
  } finally {
    await node.stop();
  }
  return dir;
}

export default async function setup(project: TestProject) {
  const nodes: Node[] = [];
  const proxies: Awaited<ReturnType<typeof startFaultProxy>>[] = [];
  const dirs: string[] = [];
  const faucet = hexToBytes(TEST_BINDINGS.FAUCET_SECRET);
  const template = chainTemplate(faucet);
  template.catch(() => {}); // a failure is reported to each file that asks for a node
  /** A node on its own copy of the template chain. */
  async function startNode(): Promise<Node> {
    const dir = mkdtempSync(join(tmpdir(), "sluice-regtest-"));
    dirs.push(dir);
    cpSync(await template, dir, { recursive: true });
    return startRegtest({ dataDir: dir });
  }
  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    if (req.url === "/proxies") {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        startFaultProxy(JSON.parse(body) as { url: string })
          .then((proxy) => {
            proxies.push(proxy);
            res
              .writeHead(200, { "content-type": "application/json" })
              .end(JSON.stringify({ url: proxy.url }));
          })
          .catch((e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(e.message));
      });
      return;
    }
    startNode()
      .then(async (node) => {
        nodes.push(node);
        await prepareChain(node, faucet); // a no-op at the template's height; kept as the guarantee
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
  project.provide("faultProxyControlUrl", `http://127.0.0.1:${port}/proxies`);
  const receivers = await startWebhookReceivers();
  project.provide("webhookControlUrl", receivers.url);
  const rateProviders = await startRateProviders();
  project.provide("rateControlUrl", rateProviders.url);
  return async () => {
    server.close();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await receivers.close();
    await rateProviders.close();
    await Promise.all(nodes.map((node) => node.stop()));
    for (const dir of [...dirs, await template.catch(() => null)])
      if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
