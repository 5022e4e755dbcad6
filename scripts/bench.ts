/**
 * `npm run bench`: invoice creation over HTTP against a local Worker (wrangler dev, local D1),
 * and BOLT11 sign/decode in-process. Writes BENCHMARKS.md with the machine and date.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { hexToBytes, sha256 } from "../src/crypto";
import { decodeInvoice, signInvoice } from "../src/lightning/bolt11";
import { webhookBench, webhookReport } from "./bench-webhooks";
import { api, applyMigrations, ensureDevVars, ROOT, startWorker } from "./lib/dev.mjs";

const HTTP_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CRYPTO_SECONDS = 3;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function httpBench() {
  const persistTo = mkdtempSync(join(tmpdir(), "sluice-bench-"));
  const vars = ensureDevVars();
  applyMigrations(persistTo);
  const worker = await startWorker({ port: 8799, persistTo, quiet: true });
  try {
    const created = await api(worker.url, "/v1/admin/merchants", {
      method: "POST",
      token: vars.OPERATOR_TOKEN,
      body: { name: "Bench" },
    });
    const key = created.body.api_key.secret;
    const body = JSON.stringify({ amount_msat: 150_000, description: "bench" });
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    // Warm-up: first requests compile and open the database.
    for (let i = 0; i < 20; i++) await fetch(`${worker.url}/v1/invoices`, { method: "POST", headers, body });
    const latencies: number[] = [];
    let failures = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < HTTP_REQUESTS) {
          next++;
          const t0 = performance.now();
          const res = await fetch(`${worker.url}/v1/invoices`, { method: "POST", headers, body });
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status !== 201) failures++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      requests: latencies.length,
      failures,
      perSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    worker.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

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

const loadAtStart = loadavg()[0]!;
const crypto = cryptoBench();
const http = await httpBench();
const webhooks = await webhookBench();
const cpu = cpus();
const machine = `${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
const report = `# Benchmarks

Measured by \`npm run bench\` (scripts/bench.ts). Re-run it to refresh this file; numbers are from one run.

- **Date:** ${date}
- **Machine:** ${machine}
- **Load average when it started:** ${loadAtStart.toFixed(1)} (other work on the machine lowers every figure)

## Invoice creation over HTTP

\`POST /v1/invoices\` against \`wrangler dev\` (workerd + local D1 on disk) on 127.0.0.1, ${http.requests} requests,
${CONCURRENCY} concurrent clients, after 20 warm-up requests. Each request authenticates the key, signs a BOLT11
invoice and writes the invoice and its outbox event in one D1 batch.

| metric | value |
|---|---|
| throughput | ${http.perSecond.toFixed(0)} invoices/s |
| latency p50 | ${http.p50.toFixed(1)} ms |
| latency p99 | ${http.p99.toFixed(1)} ms |
| non-201 responses | ${http.failures} |

## BOLT11 in-process (Node, @noble/secp256k1)

| operation | per second (one core) |
|---|---|
| encode + sign (\`signInvoice\`) | ${crypto.signPerSecond.toFixed(0)} |
| decode + validate + recover payee (\`decodeInvoice\`) | ${crypto.decodePerSecond.toFixed(0)} |

Local D1 is SQLite on this machine's disk behind wrangler dev's single local workerd process, so the
HTTP figure is a floor for one isolate, not a capacity estimate for Cloudflare (which runs many).
Decoding recovers the payee twice (once in Sluice's own check, once inside \`bolt11\`), which is why it
is slower than signing.

${webhookReport(webhooks)}`;
writeFileSync(join(ROOT, "BENCHMARKS.md"), report);
console.log(report);
process.exit(0);
