/**
 * Webhook delivery figures for `npm run bench`: a local Worker (wrangler dev, local D1) and a Node
 * receiver on 127.0.0.1 that verifies every delivery with the `standardwebhooks` package on arrival.
 * 1. At once: invoices created by 16 concurrent clients, each delivered in the request's waitUntil.
 * 2. By the cron: the receiver answers 503 while invoices are created, then recovers; the cron
 *    (`/__scheduled`, triggered back to back) delivers the retries.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { api, applyMigrations, ensureDevVars, startWorker } from "./lib/dev.mjs";

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 1000);
const CONCURRENCY = 16;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A receiver that verifies with standardwebhooks and records when each event id first arrived. */
async function receiver() {
  let webhook: Webhook | null = null;
  let failing = false;
  let invalid = 0;
  const firstSeen = new Map<string, { at: number; invoiceId: string }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failing) return res.writeHead(503).end();
      try {
        const event = webhook!.verify(
          Buffer.concat(chunks).toString("utf8"),
          req.headers as Record<string, string>,
        ) as {
          id: string;
          data: { object: { id: string } };
        };
        if (!firstSeen.has(event.id))
          firstSeen.set(event.id, { at: performance.now(), invoiceId: event.data.object.id });
        res.writeHead(204).end();
      } catch {
        invalid++;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    firstSeen,
    invalid: () => invalid,
    setSecret: (secret: string) => (webhook = new Webhook(secret)),
    setFailing: (value: boolean) => (failing = value),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Creates `count` invoices with 16 concurrent clients; returns when each request started. */
async function createInvoices(url: string, key: string, count: number) {
  const startedAt = new Map<string, number>();
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const body = JSON.stringify({ amount_msat: 150_000, description: "bench" });
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        const t0 = performance.now();
        const res = await fetch(`${url}/v1/invoices`, { method: "POST", headers, body });
        startedAt.set(((await res.json()) as { id: string }).id, t0);
      }
    }),
  );
  return startedAt;
}

async function until(done: () => boolean, timeoutMs: number, tick?: () => Promise<unknown>) {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await (tick ? tick() : sleep(20));
}

/** Runs both phases; returns the figures for BENCHMARKS.md. */
export async function webhookBench() {
  const persistTo = mkdtempSync(join(tmpdir(), "sluice-bench-webhooks-"));
  const vars = ensureDevVars();
  applyMigrations(persistTo);
  const worker = await startWorker({ port: 8798, persistTo, quiet: true });
  const hook = await receiver();
  try {
    const merchant = await api(worker.url, "/v1/admin/merchants", {
      method: "POST",
      token: vars.OPERATOR_TOKEN,
      body: { name: "Webhook bench" },
    });
    const key = merchant.body.api_key.secret;
    const endpoint = await api(worker.url, "/v1/webhook-endpoints", {
      method: "POST",
      token: key,
      body: { url: hook.url, event_types: ["invoice.created"] },
    });
    hook.setSecret(endpoint.body.secret);
    await createInvoices(worker.url, key, 20); // warm-up
    await until(() => hook.firstSeen.size >= 20, 30_000);
    hook.firstSeen.clear();

    // 1. At once.
    const t0 = performance.now();
    const startedAt = await createInvoices(worker.url, key, EVENTS);
    const createdSeconds = (performance.now() - t0) / 1000;
    await until(() => hook.firstSeen.size >= EVENTS, 120_000);
    const allSeconds = (performance.now() - t0) / 1000;
    const latencies = [...hook.firstSeen.values()]
      .map((s) => s.at - (startedAt.get(s.invoiceId) ?? s.at))
      .sort((a, b) => a - b);
    const immediate = {
      delivered: hook.firstSeen.size,
      invoicesPerSecond: EVENTS / createdSeconds,
      allDeliveredSeconds: allSeconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };

    // 2. By the cron, after the receiver recovers.
    hook.firstSeen.clear();
    hook.setFailing(true);
    await createInvoices(worker.url, key, EVENTS);
    await sleep(7_000); // first retries are due 5 s (±10 %) after the failed attempt
    hook.setFailing(false);
    let ticks = 0;
    const t1 = performance.now();
    await until(
      () => hook.firstSeen.size >= EVENTS,
      300_000,
      async () => {
        ticks++;
        await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
        await sleep(50);
      },
    );
    const cronSeconds = (performance.now() - t1) / 1000;
    return {
      events: EVENTS,
      immediate,
      cron: {
        delivered: hook.firstSeen.size,
        seconds: cronSeconds,
        ticks,
        perSecond: hook.firstSeen.size / cronSeconds,
      },
      invalid: hook.invalid(),
    };
  } finally {
    worker.stop();
    await hook.close();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

/** The BENCHMARKS.md section for these figures. */
export function webhookReport(r: Awaited<ReturnType<typeof webhookBench>>) {
  return `## Webhook delivery

\`wrangler dev\` (local D1) delivering \`invoice.created\` to one endpoint, a Node receiver on 127.0.0.1 that
verifies every delivery with the \`standardwebhooks\` package on arrival (signatures that failed: ${r.invalid}).

| metric | value |
|---|---|
| at once: invoices created (16 clients, webhooks on) | ${r.immediate.invoicesPerSecond.toFixed(0)} invoices/s |
| at once: delivered, from request start to arrival, p50 / p99 | ${r.immediate.p50.toFixed(1)} ms / ${r.immediate.p99.toFixed(1)} ms |
| at once: all ${r.events} delivered | ${r.immediate.allDeliveredSeconds.toFixed(1)} s (${r.immediate.delivered} unique ids) |
| by the cron: ${r.events} retries after the receiver recovered | ${r.cron.seconds.toFixed(1)} s over ${r.cron.ticks} back-to-back triggers (${r.cron.perSecond.toFixed(0)} deliveries/s; ${r.cron.delivered} unique ids) |

A deployed cron runs once a minute and takes at most 100 deliveries per tick (50 per endpoint), so
its retry capacity is about 100 deliveries/minute; the back-to-back figure is what one tick's worth
of work costs, not what a minute delivers. First attempts do not wait for the cron.
`;
}
