/**
 * The two hubs `npm run bench` measures, in one run, against one regtest node:
 * - production-shaped: the upload bundle in workerd through Miniflare's API (no dev proxy);
 * - wrangler dev, as `npm start` runs it and a newcomer measures it.
 * Each reports its own floor (a 404, /healthz's single D1 call) beside its payments and invoices.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle, footprintPer, startBundle } from "./bench-bundle";
import { groupCpuSeconds, type Latencies, processCpuSeconds, requestRate } from "./bench-load";
import { paymentRig, type Rig, type Run } from "./bench-payments";
import { applyMigrations, startWorker, writeEnvFile } from "./dev.mjs";
import { freePort, type RegtestNode } from "./regtest.mjs";

export const FLOOR_CLIENTS = 16;
const FLOOR_REQUESTS = Number(process.env.BENCH_FLOOR_REQUESTS ?? 3000);
const INVOICES = Number(process.env.BENCH_INVOICES ?? 2000);
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 2000);
export const PAYER_LEVELS = [16, 64, 256] as const;
const OPEN_LOOP_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 10);
const IDLE_MS = 3000;

type WithCpu<T> = T & { cpuMsPerRequest: number };

/** The hub's env: a fresh seed and operator token, the regtest node, and the round-trip counter on. */
function hubVars(node: RegtestNode) {
  return {
    HUB_SEED: randomBytes(32).toString("hex"),
    OPERATOR_TOKEN: randomBytes(32).toString("base64url"),
    DEV_MODE: "true",
    BITCOIN_RPC_URL: node.url,
    BITCOIN_RPC_USER: node.user,
    BITCOIN_RPC_PASSWORD: node.password,
    MIN_CONFIRMATIONS: "1",
    SLUICE_COUNT_D1: "1",
  };
}

/** Measures a run's CPU in `cpuSeconds` (less the idle rate), per request of the run. */
function meter(cpuSeconds: () => number, idlePerSecond: number) {
  return async <T extends Latencies>(run: () => Promise<T>): Promise<WithCpu<T>> => {
    const before = cpuSeconds();
    const t0 = performance.now();
    const result = await run();
    const seconds = (performance.now() - t0) / 1000;
    const used = cpuSeconds() - before - idlePerSecond * seconds;
    return { ...result, cpuMsPerRequest: (used * 1000) / result.count };
  };
}

/** CPU seconds per second `cpuSeconds` uses while nothing is asked of it. */
async function idleRate(cpuSeconds: () => number) {
  const before = cpuSeconds();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  return (cpuSeconds() - before) / (IDLE_MS / 1000);
}

/** Creates invoices untimed until `needed` are waiting to be paid. */
async function stock(rig: Rig, needed: number) {
  if (rig.invoicesLeft < needed) await rig.createInvoices(needed - rig.invoicesLeft, FLOOR_CLIENTS);
}

/** A 404 (no D1) and /healthz (one D1 call) at FLOOR_CLIENTS concurrent clients. */
async function floors(url: string, metered: ReturnType<typeof meter>) {
  return {
    empty: await metered(() => requestRate(`${url}/no-such-route`, FLOOR_CLIENTS, FLOOR_REQUESTS, 404)),
    oneD1: await metered(() => requestRate(`${url}/healthz`, FLOOR_CLIENTS, FLOOR_REQUESTS, 200)),
  };
}

/** The production bundle under Miniflare: floors, invoices, payments at each level, open loop. */
export async function productionRun(node: RegtestNode, faucet: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-prod-"));
  const bundle = buildBundle(join(dir, "bundle"));
  const vars = hubVars(node);
  const hub = await startBundle(bundle, join(dir, "state"), vars);
  try {
    const cpu = () => processCpuSeconds(hub.pid);
    const idlePerSecond = await idleRate(cpu);
    const metered = meter(cpu, idlePerSecond);
    const floor = await floors(hub.url, metered);
    const rig = await paymentRig({ url: hub.url, operatorToken: vars.OPERATOR_TOKEN }, node, faucet, 256);
    const beforeInvoices = await hub.footprint();
    const invoices = await metered(() => rig.createInvoices(INVOICES, FLOOR_CLIENTS));
    const perInvoice = footprintPer(beforeInvoices, await hub.footprint(), invoices.count);
    const perLevel = PAYER_LEVELS.map((payers) => Math.ceil(PAYMENTS / payers));
    await stock(
      rig,
      rig.channels.length + PAYER_LEVELS.reduce((n, payers, i) => n + payers * perLevel[i]!, 0),
    );
    const beforePayments = await hub.footprint();
    await rig.pay(rig.channels.length, 1); // warm-up: every channel once (compile, caches)
    const levels: { payers: number; run: WithCpu<Run> }[] = [];
    for (const [i, payers] of PAYER_LEVELS.entries())
      levels.push({ payers, run: await metered(() => rig.pay(payers, perLevel[i]!)) });
    const paid = rig.channels.length + levels.reduce((n, l) => n + l.run.count, 0);
    const perPayment = footprintPer(beforePayments, await hub.footprint(), paid);
    const peak = Math.max(...levels.map((l) => l.run.perSecond));
    const offered = Math.max(1, Math.floor(peak / 2));
    const openTotal = Math.max(100, Math.round(offered * OPEN_LOOP_SECONDS));
    await stock(rig, openTotal);
    const open = await metered(() => rig.payOpenLoop(offered, openTotal));
    const books = await rig.books();
    const footprint = { perInvoice, perPayment };
    return {
      bundleBytes: bundle.bytes,
      idlePerSecond,
      floor,
      invoices,
      levels,
      peak,
      open,
      books,
      footprint,
    };
  } finally {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** wrangler dev as `npm start` runs it: a 404, /healthz, invoices and payments, 16 clients each. */
export async function wranglerDevRun(node: RegtestNode, faucet: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-dev-"));
  const vars = hubVars(node);
  const envFile = writeEnvFile(join(dir, "bench.env"), vars);
  applyMigrations(dir, { quiet: true });
  const worker = await startWorker({ port: await freePort(), persistTo: dir, quiet: true, envFile });
  try {
    const pgid = worker.child.pid!;
    const cpu = () => groupCpuSeconds(pgid);
    const metered = meter(cpu, await idleRate(cpu));
    const floor = await floors(worker.url, metered);
    const rig = await paymentRig(
      { url: worker.url, operatorToken: vars.OPERATOR_TOKEN },
      node,
      faucet,
      FLOOR_CLIENTS,
    );
    const invoices = await metered(() => rig.createInvoices(Math.ceil(INVOICES / 2), FLOOR_CLIENTS));
    const perPayer = Math.ceil(PAYMENTS / 2 / FLOOR_CLIENTS);
    await stock(rig, FLOOR_CLIENTS * (perPayer + 2));
    await rig.pay(FLOOR_CLIENTS, 2); // warm-up
    const payments = await metered(() => rig.pay(FLOOR_CLIENTS, perPayer));
    const books = await rig.books();
    return { floor, invoices, payments, books };
  } finally {
    worker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
