/**
 * secp256k1 verification rates for `npm run bench`: single-core in Node (the machine's physical
 * reference) and inside workerd, for both backends the hub can use: @noble/secp256k1 (pure JS)
 * and libsecp256k1 compiled to WebAssembly (tiny-secp256k1).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tiny from "tiny-secp256k1";
import { unstable_dev } from "wrangler";
import { derToCompact, nobleEcdsa, verifyDerLowS } from "../../src/chain/signature";
import { ROOT } from "./dev.mjs";
import { freePort } from "./regtest.mjs";
import { verifyFixtures } from "./verify-fixtures";

export interface VerifyRates {
  /** Single core, Node, in-process. */
  node: { noble: number; libsecp256k1: number };
  /** Inside workerd (wrangler's bundle of scripts/lib/verify-worker.ts), one isolate. */
  workerd: { noble: number; libsecp256k1: number };
}

const WINDOWS = 6;
const WINDOW_MS = 500;

/**
 * Verifications per second of `verify` on this core: the best of a few short windows, so that
 * other work on a shared machine lowers the figure as little as possible.
 */
function rate(verify: (i: number) => boolean): number {
  let best = 0;
  for (let w = 0, n = 0; w < WINDOWS; w++) {
    const start = n;
    const t0 = performance.now();
    while (performance.now() - t0 < WINDOW_MS) {
      for (let k = 0; k < 50; k++, n++) if (!verify(n)) throw new Error("a valid signature failed");
    }
    best = Math.max(best, (n - start) / ((performance.now() - t0) / 1000));
  }
  return best;
}

function nodeRates() {
  const { pubkey, hashes, signatures } = verifyFixtures();
  const compact = signatures.map((s) => derToCompact(s)!);
  return {
    noble: rate((i) => verifyDerLowS(signatures[i % 64]!, hashes[i % 64]!, pubkey, nobleEcdsa)),
    // The same strict wrapper, with libsecp256k1 from the package's own Node loader.
    libsecp256k1: rate((i) =>
      verifyDerLowS(signatures[i % 64]!, hashes[i % 64]!, pubkey, {
        verify: () => tiny.verify(hashes[i % 64]!, pubkey, compact[i % 64]!, true),
        sign: () => {
          throw new Error("not used");
        },
      }),
    ),
  };
}

async function workerdRates() {
  const persistTo = mkdtempSync(join(tmpdir(), "sluice-bench-verify-"));
  const worker = await unstable_dev(join(ROOT, "scripts/lib/verify-worker.ts"), {
    config: join(ROOT, "wrangler.toml"), // the same bundling rules (and .wasm handling) as the hub
    ip: "127.0.0.1",
    port: await freePort(),
    persistTo,
    logLevel: "none",
    experimental: { disableExperimentalWarning: true, testMode: true },
  });
  try {
    const timeOf = async (backend: string, n: number) => {
      const t0 = performance.now();
      const res = await worker.fetch(`/?backend=${backend}&n=${n}`);
      if (res.status !== 200) throw new Error(`verify worker: ${await res.text()}`);
      await res.text();
      return performance.now() - t0;
    };
    const measure = async (backend: string) => {
      await timeOf(backend, 500); // compile and warm up
      const n = backend === "noble" ? 2_000 : 10_000;
      let best = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 3; round++) {
        const empty = await timeOf(backend, 0);
        best = Math.min(best, (await timeOf(backend, n)) - empty);
      }
      return (n / best) * 1000;
    };
    return { noble: await measure("noble"), libsecp256k1: await measure("wasm") };
  } finally {
    await worker.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

export async function verifyBench(): Promise<VerifyRates> {
  return { node: nodeRates(), workerd: await workerdRates() };
}
