/** The cron: bounded work per tick (exchange rates, invoice expiry, idempotency purge, channels and expired offers, settlement, webhook deliveries). */
import { secondsOf } from "./core/clock";
import { bitcoindRpc } from "./chain/backends/bitcoind-rpc";
import { sweepChannels } from "./channels/service";
import { type Env, loadConfig } from "./config";
import type { Clock } from "./core/clock";
import type { RandomBytes } from "./core/ids";
import { LIMITS } from "./core/limits";
import { redactSecrets } from "./core/redact";
import { openDb } from "./db/client";
import { purgeKeys } from "./idempotency/store";
import { sweepExpired } from "./invoices/service";
import { refreshRates } from "./rates/service";
import { runSettlement } from "./settlement/service";
import { CRON_BOUNDS, deliverDue } from "./webhooks/delivery";

export interface TickReport {
  readonly invoicesExpired: number;
  readonly idempotencyKeysPurged: number;
  readonly channelOffersExpired: number;
  readonly channelOffersPurged: number;
  readonly channelsRefreshed: number;
  readonly channelsRefunded: number;
  /** What the settlement run did (null without a chain backend). */
  readonly settlement: {
    planned: string | null;
    active: string | null;
    steps: readonly string[];
    chainError: string | null;
  } | null;
  readonly webhookAttempts: number;
  readonly webhooksDelivered: number;
  /** Exchange rates fetched: quotes stored, failed quotes (`source:currency:error`), currencies rated. */
  readonly rates: { quoted: number; failures: readonly string[]; rated: readonly string[] };
  /** Jobs that threw this tick (each logged); the others ran. Empty on a clean tick. */
  readonly failedJobs: readonly TickJob[];
}

/** The jobs of a tick, in the order they run. */
export type TickJob = "rates" | "invoices" | "idempotency" | "channels" | "settlement" | "webhooks";

/** Where a tick writes a failed job's line; the Worker's log by default. */
export type TickLog = (line: string) => void;

/** The Env values no log line may show (shapes such as `sk_…` are struck out besides: core/redact.ts). */
const secretsOf = (env: Env) => [
  env.HUB_SEED,
  env.OPERATOR_TOKEN,
  env.BITCOIN_RPC_USER,
  env.BITCOIN_RPC_PASSWORD,
  env.SLUICE_DEV_FAUCET_SECRET,
];

/** An error as one log line's fields, secrets struck out. */
export function errorLogFields(error: unknown, env: Env): { error: string; stack: string | null } {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack = error instanceof Error && error.stack ? error.stack : null;
  const secrets = secretsOf(env);
  return { error: redactSecrets(text, secrets), stack: stack && redactSecrets(stack, secrets) };
}

/**
 * Runs a tick's jobs so that one throwing stops none of the others: the throw is logged (secrets
 * struck out), the job named in `failed`, and its report falls back to `fallback`.
 */
export function isolatedJobs(env: Env, log: TickLog = (line) => console.error(line)) {
  const failed: TickJob[] = [];
  async function run<T>(job: TickJob, work: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await work();
    } catch (error) {
      failed.push(job);
      log(JSON.stringify({ cron: "job_failed", job, ...errorLogFields(error, env) }));
      return fallback;
    }
  }
  return { run, failed };
}

const NO_CHANNELS = { expired: 0, purged: 0, refreshed: 0, refunded: 0 };

/**
 * Runs one cron tick. Safe to overlap with another: every write is guarded or idempotent. Each job
 * is isolated (`isolatedJobs`): one that throws is logged and reported, and the rest still run.
 */
export async function runTick(
  env: Env,
  clock: Clock,
  random: RandomBytes,
  log?: TickLog,
): Promise<TickReport> {
  const db = openDb(env.DB);
  const at = { nowMs: clock.nowMs(), random };
  const config = loadConfig(env);
  const { run, failed } = isolatedJobs(env, log);
  // First: fiat invoices created during the rest of the tick already see this minute's rates.
  const rates = await run("rates", () => refreshRates(db, config.rates, at.nowMs), {
    quoted: 0,
    failures: [],
    rated: [],
  });
  const invoicesExpired = await run("invoices", () => sweepExpired(db, at, LIMITS.expirySweepRowsPerTick), 0);
  const cutoff = secondsOf(at.nowMs) - LIMITS.idempotencyRetentionSeconds;
  const idempotencyKeysPurged = await run(
    "idempotency",
    () => purgeKeys(db, cutoff, LIMITS.expirySweepRowsPerTick),
    0,
  );
  const chain = config.rpc ? bitcoindRpc(config.rpc) : null;
  const channels = await run(
    "channels",
    () => sweepChannels(db, chain, config, at, LIMITS.channelSweepRowsPerTick),
    NO_CHANNELS,
  );
  const settled = chain
    ? await run(
        "settlement",
        () => runSettlement({ db, chain, config, nowMs: at.nowMs, random }, { force: false }),
        null,
      )
    : null;
  // Last, so the events this tick wrote go out in it too.
  const webhooks = await run("webhooks", () => deliverDue(db, config, at, CRON_BOUNDS), {
    attempted: 0,
    succeeded: 0,
  });
  return {
    invoicesExpired,
    idempotencyKeysPurged,
    channelOffersExpired: channels.expired,
    channelOffersPurged: channels.purged,
    channelsRefreshed: channels.refreshed,
    channelsRefunded: channels.refunded,
    settlement: settled
      ? {
          planned: settled.planned,
          active: settled.active?.id ?? null,
          steps: settled.steps,
          chainError: settled.chainError,
        }
      : null,
    webhookAttempts: webhooks.attempted,
    webhooksDelivered: webhooks.succeeded,
    rates,
    failedJobs: failed,
  };
}
