/**
 * Load shapes and process CPU for `npm run bench`: closed loop (n lanes, each waits for its answer),
 * open loop (arrivals at a fixed rate whether or not earlier ones were answered, so queueing shows
 * in the latency), and CPU seconds of a process from /proc.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface Latencies {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** Every call's latency in ms, sorted. */
  sorted: number[];
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const summary = (latencies: number[], failures: number, seconds: number): Latencies => {
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
    sorted: latencies,
  };
};

/**
 * Runs `total` calls on `lanes` concurrent lanes; lane l makes its calls k = 0, 1, … in order (call
 * number k·lanes + l). Returns the rate over the whole run and each call's latency percentiles.
 */
export async function timed(
  lanes: number,
  total: number,
  work: (lane: number, k: number) => Promise<boolean>,
): Promise<Latencies> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let k = 0; k * lanes + lane < total; k++) {
        const t0 = performance.now();
        if (!(await work(lane, k))) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summary(latencies, failures, (performance.now() - started) / 1000);
}

/**
 * Open loop: call i is due at start + i / ratePerSecond and starts then, however many are still
 * unanswered; its latency runs from when it was due, so time spent waiting for a free payer (or
 * behind a late timer) counts. `work(i)` does call i.
 */
export async function openLoop(
  ratePerSecond: number,
  total: number,
  work: (i: number) => Promise<boolean>,
): Promise<Latencies & { offeredPerSecond: number; maxInFlight: number }> {
  const latencies: number[] = [];
  let failures = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const calls: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const dueAt = started + (i * 1000) / ratePerSecond;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    calls.push(
      work(i).then((ok) => {
        inFlight--;
        if (!ok) failures++;
        latencies.push(performance.now() - dueAt);
      }),
    );
  }
  await Promise.all(calls);
  return {
    ...summary(latencies, failures, (performance.now() - started) / 1000),
    offeredPerSecond: ratePerSecond,
    maxInFlight,
  };
}

/** The rate at which `url` answers `concurrency` clients asking `total` times (after 50 untimed). */
export async function requestRate(url: string, concurrency: number, total: number, expectStatus: number) {
  const once = async () => {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status === expectStatus;
  };
  for (let i = 0; i < 50; i++) await once();
  return timed(concurrency, total, once);
}

/** utime + stime of a process, in seconds (Linux /proc; USER_HZ is 100). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "(comm)": state(3) ppid pgrp … utime(14) stime(15), 1-based over the whole line.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Processes whose parent is `ppid` and whose command line matches, by pid. */
export function childPids(ppid: number, match: RegExp): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === ppid && match.test(readFileSync(`/proc/${pid}/cmdline`, "utf8")))
        found.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** CPU seconds used so far by every process in a process group (wrangler dev and its workerds). */
export function groupCpuSeconds(pgid: number): number {
  let seconds = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pgid)
        seconds += processCpuSeconds(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return seconds;
}

/** Load average (1 / 5 / 15 min) as text. */
export const loadAverage = (values: number[]) => values.map((l) => l.toFixed(2)).join(" / ");
