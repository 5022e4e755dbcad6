/**
 * BENCHMARKS.md sections for the two hubs (bench-hubs.ts): every figure beside its same-run
 * reference and the ratio, and issue #12's targets marked met or not met.
 */
import type { Latencies } from "./bench-load";
import type { productionRun, wranglerDevRun } from "./bench-hubs";
import { FLOOR_CLIENTS } from "./bench-hubs";
import type { VerifyRates } from "./bench-verify";

type Prod = Awaited<ReturnType<typeof productionRun>>;
type Dev = Awaited<ReturnType<typeof wranglerDevRun>>;
type Row = Latencies & { cpuMsPerRequest: number; roundTripsPerRequest?: number | null };

const n0 = (x: number) => x.toFixed(0);
const ms = (x: number) => `${x.toFixed(1)} ms`;
const ratio = (a: number, b: number) => (a / b).toFixed(3);
const trips = (r: Row) =>
  r.roundTripsPerRequest === undefined
    ? ""
    : r.roundTripsPerRequest === null
      ? "n/a"
      : r.roundTripsPerRequest.toFixed(2);
const met = (ok: boolean | null) => (ok === null ? "n/a (no counter)" : ok ? "**met**" : "**not met**");

/** One table row: rate, latency, round trips, CPU, and the rate's ratio to each reference. */
const row = (name: string, r: Row, refs: number[]) =>
  `| ${name} | ${n0(r.perSecond)}/s | ${ms(r.p50)} | ${ms(r.p99)} | ${r.failures} | ${trips(r)} | ${r.cpuMsPerRequest.toFixed(2)} | ${refs.map((ref) => ratio(r.perSecond, ref)).join(" | ")} |`;

/** The peak payment level of the production run. */
const peakLevel = (p: Prod) =>
  p.levels.reduce((best, l) => (l.run.perSecond > best.run.perSecond ? l : best));

/** Issue #12's targets, each with its figure, its same-run reference and the ratio. */
export function targetsTable(p: Prod, d: Dev, verify: VerifyRates): string {
  const peak = peakLevel(p);
  const verifyRate = verify.node.libsecp256k1;
  const at64 = p.levels.find((l) => l.payers === 64)!.run.roundTripsPerRequest;
  const allTrips = p.levels.map((l) => l.run.roundTripsPerRequest);
  const maxTrips = allTrips.some((t) => t === null) ? null : Math.max(...(allTrips as number[]));
  const rows = [
    [
      "production-shaped payments/s ≥ 0.5× the single-D1-call request rate",
      `${n0(peak.run.perSecond)}/s (${peak.payers} payers)`,
      `/healthz ${n0(p.floor.oneD1.perSecond)}/s`,
      ratio(peak.run.perSecond, p.floor.oneD1.perSecond),
      met(peak.run.perSecond >= 0.5 * p.floor.oneD1.perSecond),
    ],
    [
      "production-shaped payments/s ≥ 0.15× the single-core verify rate",
      `${n0(peak.run.perSecond)}/s`,
      `libsecp256k1 ${n0(verifyRate)}/s`,
      ratio(peak.run.perSecond, verifyRate),
      met(peak.run.perSecond >= 0.15 * verifyRate),
    ],
    [
      "wrangler dev payments/s ≥ 0.5× a 404's rate",
      `${n0(d.payments.perSecond)}/s`,
      `404 ${n0(d.floor.empty.perSecond)}/s`,
      ratio(d.payments.perSecond, d.floor.empty.perSecond),
      met(d.payments.perSecond >= 0.5 * d.floor.empty.perSecond),
    ],
    [
      "wrangler dev invoices/s ≥ 0.5× a 404's rate",
      `${n0(d.invoices.perSecond)}/s`,
      `404 ${n0(d.floor.empty.perSecond)}/s`,
      ratio(d.invoices.perSecond, d.floor.empty.perSecond),
      met(d.invoices.perSecond >= 0.5 * d.floor.empty.perSecond),
    ],
    [
      "D1 round trips per payment ≤ 1 (every level)",
      maxTrips === null ? "n/a" : maxTrips.toFixed(2),
      "1",
      "",
      met(maxTrips === null ? null : maxTrips <= 1),
    ],
    [
      "D1 round trips per payment ≤ 0.3 at 64 payers",
      at64 === null ? "n/a" : at64.toFixed(2),
      "0.3",
      "",
      met(at64 === null ? null : at64 <= 0.3),
    ],
    [
      "p99 < 100 ms at half the peak (open loop)",
      ms(p.open.p99),
      `offered ${n0(p.open.offeredPerSecond)}/s`,
      "",
      met(p.open.p99 < 100),
    ],
  ];
  return [
    "| target | this run | same-run reference | ratio | |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

const HEADER = (cpu: string, refs: string[]) =>
  [
    `| request | rate | p50 | p99 | failed | D1 round trips / request | ${cpu} CPU ms / request | ${refs.map((r) => `÷ ${r}`).join(" | ")} |`,
    `|---|---|---|---|---|---|---|${refs.map(() => "---").join("|")}|`,
  ].join("\n");

/** The production-shaped section. */
export function productionSection(p: Prod): string {
  const refs = [p.floor.oneD1.perSecond, p.floor.empty.perSecond];
  const lines = [
    row("empty request (404, no D1)", p.floor.empty, refs),
    row("`/healthz` (one D1 call)", p.floor.oneD1, refs),
    row(`invoice creation (${FLOOR_CLIENTS} clients)`, p.invoices, refs),
    ...p.levels.map((l) => row(`payments, ${l.payers} concurrent payers`, l.run, refs)),
    row(`payments, open loop at ${n0(p.open.offeredPerSecond)}/s (half the peak)`, p.open, refs),
  ];
  return `## Production-shaped: the upload bundle in workerd, no dev proxy

The bundle \`wrangler deploy --dry-run --outdir\` builds (${(p.bundleBytes / 2 ** 20).toFixed(2)} MiB before gzip:
index.js and the libsecp256k1 .wasm) served by workerd through Miniflare's API, over a local D1
migrated by \`wrangler d1 migrations apply\`, on 127.0.0.1. Floors and invoices from ${FLOOR_CLIENTS} clients. Each
payer has its own channel (funded on the bench's regtest node, opened by the hub's on-chain check)
and sends its payments one after another; every payment is the full thing (invoice, state, BIP143
signature, receipt, one guarded batch). D1 round trips are the Worker's own count
(\`x-sluice-d1-round-trips\`, \`SLUICE_COUNT_D1=1\`; n/a where the Worker sent none). Worker CPU is the
workerd process's (isolate and local SQLite both) from /proc over the run, less its idle rate
(${(p.idlePerSecond * 1000).toFixed(1)} ms/s), per request. Open loop: arrivals at a fixed rate whatever is still unanswered,
each taken by the payer idle longest, latency from arrival (max ${p.open.maxInFlight} in flight). Afterwards the merchant's
balance counts ${p.books.committed} payments (${p.books.accepted} accepted) and the ledger invariant ${p.books.ledgerOk ? "holds" : "is BROKEN"}.

${HEADER("workerd", ["/healthz", "404"])}
${lines.join("\n")}`;
}

const footprintRows = (f: { rows: Record<string, number> }) =>
  Object.entries(f.rows)
    .map(([table, n]) => `${table} ${Number(n.toFixed(2))}`)
    .join(", ");

/** What one invoice and one payment store in D1 (for docs/scaling.md's 10 GB arithmetic). */
export function footprintSection(p: Prod): string {
  const { perInvoice, perPayment } = p.footprint;
  const paidDisk = perInvoice.diskBytes + perPayment.diskBytes;
  return `## What D1 stores per invoice and per payment

Measured on the production-shaped run's database, before and after the timed invoices and before
and after the payments (each paying one of those invoices): the rows added by table, their payload
(every value's length; integers counted as their digits), and the growth of the database's files on
disk (SQLite file and WAL: row headers, pages and indexes included).

| per | on disk | payload | rows added, by table |
|---|---|---|---|
| invoice (created) | ${n0(perInvoice.diskBytes)} B | ${n0(perInvoice.payloadBytes)} B | ${footprintRows(perInvoice)} |
| payment (of an existing invoice) | ${n0(perPayment.diskBytes)} B | ${n0(perPayment.payloadBytes)} B | ${footprintRows(perPayment)} |

An invoice paid end to end takes about ${n0(paidDisk)} bytes on disk, so D1's 10 GB per database holds about
${(10e9 / paidDisk / 1e6).toFixed(1)} million paid invoices before anything is archived (docs/scaling.md).`;
}

/** The wrangler dev section. */
export function devSection(d: Dev): string {
  const refs = [d.floor.empty.perSecond, d.floor.oneD1.perSecond];
  return `## Through wrangler dev, as \`npm start\` runs it

\`wrangler dev\` (its Node process, its proxy workerd and the Worker's workerd, local D1 on disk),
${FLOOR_CLIENTS} clients for every row, ${FLOOR_CLIENTS} payers for payments. CPU is that of all of wrangler dev's processes.
Afterwards the merchant's balance counts ${d.books.committed} payments (${d.books.accepted} accepted); ledger invariant ${d.books.ledgerOk ? "holds" : "BROKEN"}.

${HEADER("wrangler dev", ["404", "/healthz"])}
${row("empty request (404)", d.floor.empty, refs)}
${row("`/healthz` (one D1 call)", d.floor.oneD1, refs)}
${row("invoice creation", d.invoices, refs)}
${row(`payments, ${FLOOR_CLIENTS} payers`, d.payments, refs)}`;
}

/** Where the payment time goes, from this run's figures. */
export function wallSection(p: Prod, cores: number, verify: VerifyRates): string {
  const peak = peakLevel(p);
  const cpu = peak.run.cpuMsPerRequest;
  const floorCpu = p.floor.oneD1.cpuMsPerRequest;
  const verifyMs = 1000 / verify.workerd.libsecp256k1;
  // Local D1 runs inside the same workerd: a round trip's CPU there is /healthz's less a 404's.
  const d1Ms = floorCpu - p.floor.empty.cpuMsPerRequest;
  const trips = peak.run.roundTripsPerRequest;
  const workerOnly =
    trips === null
      ? "Without the Worker's round-trip count the local D1's share cannot be taken out."
      : `Local D1 runs in the same process and costs it about ${d1Ms.toFixed(2)} ms per round trip (a /healthz
less a 404), so the Worker alone, as Cloudflare would bill it, spends about
${(cpu - trips * d1Ms).toFixed(2)} ms per payment (${trips.toFixed(2)} round trips taken out).`;
  return `## Where the payment time goes

At the peak (${peak.payers} payers) the workerd process spends ${cpu.toFixed(2)} ms of CPU per payment; a \`/healthz\`
(one D1 call) costs it ${floorCpu.toFixed(2)} ms and an empty request ${p.floor.empty.cpuMsPerRequest.toFixed(2)} ms. Of the payment's,
${verifyMs.toFixed(2)} ms is the signature check (libsecp256k1 in workerd, ${n0(verify.workerd.libsecp256k1)}/s).
${workerOnly} With ${cores} cores shared with the bench's own clients and the regtest node, this machine cannot
exceed about ${n0((cores * 1000) / cpu)} payments/s in workerd, nor ${n0((cores * 1000) / floorCpu)} /healthz/s: CPU per request,
not D1's latency, is the wall here. On Cloudflare, isolates scale out and D1 is remote: there
the wall is the one D1 primary per database (docs/scaling.md).`;
}
