/** The cron: bounded work per tick (exchange rates, invoice expiry, idempotency purge, channels and expired offers, settlement, webhook deliveries). */
import { bitcoindRpc } from "./chain/backends/bitcoind-rpc";
import { sweepChannels } from "./channels/service";
import { type Env, loadConfig } from "./config";
import type { Clock } from "./core/clock";
import type { RandomBytes } from "./core/ids";
import { LIMITS } from "./core/limits";
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
}

/** Runs one cron tick. Safe to overlap with another: every write is guarded or idempotent. */
export async function runTick(env: Env, clock: Clock, random: RandomBytes): Promise<TickReport> {
  const db = openDb(env.DB);
  const at = { nowMs: clock.nowMs(), random };
  const config = loadConfig(env);
  // First: fiat invoices created during the rest of the tick already see this minute's rates.
  const rates = await refreshRates(db, config.rates, at.nowMs);
  const invoicesExpired = await sweepExpired(db, at, LIMITS.expirySweepRowsPerTick);
  const cutoff = Math.floor(at.nowMs / 1000) - LIMITS.idempotencyRetentionSeconds;
  const idempotencyKeysPurged = await purgeKeys(db, cutoff, LIMITS.expirySweepRowsPerTick);
  const chain = config.rpc ? bitcoindRpc(config.rpc) : null;
  const channels = await sweepChannels(db, chain, config, at, LIMITS.channelSweepRowsPerTick);
  const settled = chain
    ? await runSettlement({ db, chain, config, nowMs: at.nowMs, random }, { force: false })
    : null;
  // Last, so the events this tick wrote go out in it too.
  const webhooks = await deliverDue(db, config, at, CRON_BOUNDS);
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
  };
}
