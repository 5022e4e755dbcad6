/**
 * `npm run bench`: in one run, on one regtest node, the hub production-shaped (the upload bundle in
 * workerd through Miniflare's API) and through wrangler dev, each beside its own floors; the
 * single-core secp256k1 verify rate; BOLT11 in-process; webhook delivery. Writes BENCHMARKS.md
 * with the machine, the date and the load average at start and end. Never a test: figures only.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { hexToBytes, sha256 } from "../src/crypto";
import { decodeInvoice, signInvoice } from "../src/lightning/bolt11";
import { webhookBench, webhookReport } from "./bench-webhooks";
import { productionRun, wranglerDevRun } from "./lib/bench-hubs";
import { loadAverage } from "./lib/bench-load";
import {
  devSection,
  footprintSection,
  productionSection,
  targetsTable,
  wallSection,
} from "./lib/bench-report";
import { verifyBench } from "./lib/bench-verify";
import { ROOT } from "./lib/dev.mjs";
import { prepareChain, startRegtest } from "./lib/regtest.mjs";

const CRYPTO_SECONDS = 3;

function cryptoBench() {
  const key = hexToBytes("e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734");
  const invoice = (i: number) => ({
    network: "regtest" as const,
    amountMsat: 150_000n + BigInt(i),
    timestampSeconds: 1_790_000_000,
    expirySeconds: 3600,
    paymentHash: sha256(new Uint8Array([i & 255, i >> 8])),
    paymentSecret: new Uint8Array(32).fill(1),
    description: "bench",
    descriptionHash: null,
  });
  const signed: string[] = [];
  let t0 = performance.now();
  while (performance.now() - t0 < CRYPTO_SECONDS * 1000)
    signed.push(signInvoice(invoice(signed.length), key));
  const signPerSecond = signed.length / ((performance.now() - t0) / 1000);
  let decoded = 0;
  t0 = performance.now();
  while (performance.now() - t0 < CRYPTO_SECONDS * 1000) {
    const d = decodeInvoice(signed[decoded % signed.length]!);
    if (!d.ok) throw new Error(d.error.message);
    decoded++;
  }
  return { signPerSecond, decodePerSecond: decoded / ((performance.now() - t0) / 1000) };
}

/** Both hubs against one regtest node (its faucet funds every channel). */
async function hubs() {
  const node = await startRegtest();
  try {
    const faucet = randomBytes(32);
    await prepareChain(node, faucet);
    const prod = await productionRun(node, faucet);
    const dev = await wranglerDevRun(node, faucet);
    return { prod, dev };
  } finally {
    await node.stop();
  }
}

const loadAtStart = loadAverage(loadavg());
const startedAt = new Date();
const verify = await verifyBench();
const crypto = cryptoBench();
const { prod, dev } = await hubs();
const webhooks = await webhookBench();
const loadAtEnd = loadAverage(loadavg());
for (const [name, books] of [
  ["production-shaped", prod.books],
  ["wrangler dev", dev.books],
] as const)
  if (books.committed !== books.accepted || !books.ledgerOk)
    throw new Error(
      `${name}: ${books.committed} committed, ${books.accepted} accepted, ledger ok: ${books.ledgerOk}`,
    );
const cpu = cpus();
const machine = `${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(0);
const report = `# Benchmarks

Measured by \`npm run bench\` (scripts/bench.ts); every figure below comes from one run. Ratios
compare figures from that same run: absolute rates vary between machines and with their load.

- **Date:** ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC (${minutes} min)
- **Machine:** ${machine}
- **Load average** (1 / 5 / 15 min; other work shares this machine): ${loadAtStart} at the start, ${loadAtEnd} at the end

## Issue #12 targets

${targetsTable(prod, dev, verify)}

${productionSection(prod)}

${wallSection(prod, cpu.length, verify)}

${footprintSection(prod)}

${devSection(dev)}

## secp256k1 verification

A payment verifies one signature and signs one receipt. Rates of the strict verify the hub runs (DER
parse, low-S and range checks, then the backend), one core; the Node libsecp256k1 figure is the
single-core verify rate the targets compare with:

| backend | Node, in-process | inside workerd (one isolate) |
|---|---|---|
| @noble/secp256k1 3.x (pure JS) | ${verify.node.noble.toFixed(0)} /s | ${verify.workerd.noble.toFixed(0)} /s |
| libsecp256k1 as WASM (tiny-secp256k1 2.2.4) | ${verify.node.libsecp256k1.toFixed(0)} /s | ${verify.workerd.libsecp256k1.toFixed(0)} /s |

The Worker uses libsecp256k1 (src/chain/secp256k1-wasm.ts); the two accept exactly the same
signatures and sign the same bytes (test/secp256k1-backends.test.ts). workerd's figures are timed
from outside (its clocks stand still while code runs): a request running n verifications, less an
empty one.

## BOLT11 in-process (Node, @noble/secp256k1)

| operation | per second (one core) |
|---|---|
| encode + sign (\`signInvoice\`) | ${crypto.signPerSecond.toFixed(0)} |
| decode + validate + recover payee (\`decodeInvoice\`) | ${crypto.decodePerSecond.toFixed(0)} |

${webhookReport(webhooks)}`;
writeFileSync(join(ROOT, "BENCHMARKS.md"), report);
console.log(report);
process.exit(0);
