/** Runs in Node before the workerd test pool: one real bcoin regtest node for the whole run. */
import type { TestProject } from "vitest/node";
import { hexToBytes } from "../src/crypto";
import { prepareChain, startRegtest } from "../scripts/lib/regtest.mjs";
import { TEST_BINDINGS } from "./bindings";

declare module "vitest" {
  export interface ProvidedContext {
    bitcoinRpc: { url: string; user: string; password: string };
  }
}

export default async function setup(project: TestProject) {
  const node = await startRegtest();
  await prepareChain(node, hexToBytes(TEST_BINDINGS.FAUCET_SECRET));
  project.provide("bitcoinRpc", { url: node.url, user: node.user, password: node.password });
  return async () => {
    await node.stop();
  };
}
