/** The cron: bounded housekeeping per tick (invoice expiry, idempotency key purge). */
import type { Env } from "./config";
import type { Clock } from "./core/clock";
import type { RandomBytes } from "./core/ids";
import { LIMITS } from "./core/limits";
import { openDb } from "./db/client";
import { purgeKeys } from "./idempotency/store";
import { sweepExpired } from "./invoices/service";

export interface TickReport {
  readonly invoicesExpired: number;
  readonly idempotencyKeysPurged: number;
}

/** Runs one cron tick. Safe to overlap with another: every write is guarded or idempotent. */
export async function runTick(env: Env, clock: Clock, random: RandomBytes): Promise<TickReport> {
  const db = openDb(env.DB);
  const at = { nowMs: clock.nowMs(), random };
  const invoicesExpired = await sweepExpired(db, at, LIMITS.expirySweepRowsPerTick);
  const cutoff = Math.floor(at.nowMs / 1000) - LIMITS.idempotencyRetentionSeconds;
  const idempotencyKeysPurged = await purgeKeys(db, cutoff, LIMITS.expirySweepRowsPerTick);
  return { invoicesExpired, idempotencyKeysPurged };
}
