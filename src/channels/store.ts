/** The only module that reads and writes channels. */
import { and, asc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { ErrorCode } from "../core/errors";
import { type Db, guardChanged, rawStatement, type Statement, statement } from "../db/client";
import { channels } from "../db/schema";
import type { Channel, ChannelStatus } from "./channel";

type Row = typeof channels.$inferSelect;

/** A channels row as the domain type (also for reads batched by other use cases). */
export const fromRow = ({ fundingErrorCode, fundingErrorMessage, ...row }: Row): Channel => ({
  ...row,
  status: row.status as ChannelStatus,
  capacitySat: BigInt(row.capacitySat),
  payerBalanceMsat: BigInt(row.payerBalanceMsat),
  fundingError:
    fundingErrorCode === null
      ? null
      : { code: fundingErrorCode as ErrorCode, message: fundingErrorMessage ?? "" },
});

const toRow = ({ fundingError, ...c }: Channel) => ({
  ...c,
  capacitySat: Number(c.capacitySat),
  payerBalanceMsat: Number(c.payerBalanceMsat),
  fundingErrorCode: fundingError?.code ?? null,
  fundingErrorMessage: fundingError?.message ?? null,
});

/** Statement inserting a new channel offer. */
export const insertChannelStatement = (db: Db, channel: Channel): Statement =>
  statement(db, db.insert(channels).values(toRow(channel)));

/** A channel by id, or null. */
export async function getChannel(db: Db, id: string): Promise<Channel | null> {
  const row = await db.select().from(channels).where(eq(channels.id, id)).get();
  return row ? fromRow(row) : null;
}

/** The channel a verified outpoint funds, or null (unverified claims to it fund nothing). */
export async function channelByFunding(db: Db, txid: string, vout: number): Promise<Channel | null> {
  const row = await db
    .select()
    .from(channels)
    .where(
      and(
        eq(channels.fundingTxid, txid),
        eq(channels.fundingVout, vout),
        isNotNull(channels.fundingVerifiedAt),
      ),
    )
    .get();
  return row ? fromRow(row) : null;
}

/**
 * Guarded transition: writes `next` only if the row still has `from`'s status, seq, settlement and
 * funding (outpoint and whether it was verified), otherwise aborts the whole batch.
 */
export function transitionStatements(db: Db, from: Channel, next: Channel): Statement[] {
  const { id: _id, createdAt: _created, ...changes } = toRow(next);
  return [
    statement(
      db,
      db
        .update(channels)
        .set(changes)
        .where(
          and(
            eq(channels.id, from.id),
            eq(channels.status, from.status),
            eq(channels.seq, from.seq),
            // A registration replacing an unverified outpoint and a look at the old one must not both land.
            sql`${channels.fundingTxid} IS ${from.fundingTxid} AND ${channels.fundingVout} IS ${from.fundingVout}`,
            from.fundingVerifiedAt === null
              ? isNull(channels.fundingVerifiedAt)
              : isNotNull(channels.fundingVerifiedAt),
            // A settlement that took the channel meanwhile owns it: a stale writer must not undo that.
            from.settlementId === null
              ? isNull(channels.settlementId)
              : eq(channels.settlementId, from.settlementId),
          ),
        ),
    ),
    guardChanged(db, "channel_changed"),
  ];
}

/**
 * Opening channels for the cron to look at: verified ones counting confirmations first (real
 * deposits), then unverified registrations, oldest first. Anyone can register an unseen txid to
 * their own offer, so those must never crowd out a real deposit's confirmations.
 */
export async function openingChannels(db: Db, limit: number): Promise<Channel[]> {
  const rows = await db
    .select()
    .from(channels)
    .where(eq(channels.status, "opening"))
    .orderBy(sql`${channels.fundingVerifiedAt} IS NULL`, asc(channels.id))
    .limit(limit)
    .all();
  return rows.map(fromRow);
}

/**
 * Expires offers never funded by `nowSeconds`, at most `limit` of them, in one statement (an
 * expiry writes no event and no journal; unverified registrations are looked at once more first,
 * by the refresh). Returns how many.
 */
export async function expireOffers(db: Db, nowSeconds: number, limit: number): Promise<number> {
  const result = await db.$client
    .prepare(
      `UPDATE channels SET status = 'expired' WHERE id IN (
         SELECT id FROM channels WHERE status = 'awaiting_funding' AND offer_expires_at <= ?
         ORDER BY offer_expires_at LIMIT ?)`,
    )
    .bind(nowSeconds, limit)
    .run();
  return result.meta.changes ?? 0;
}

/**
 * Deletes expired offers whose offer expired before `cutoffSeconds`, at most `limit`. Only
 * `expired` rows: never funded, so no payment, payout, journal entry or event refers to them.
 */
export async function purgeExpiredOffers(db: Db, cutoffSeconds: number, limit: number): Promise<number> {
  const result = await db.$client
    .prepare(
      `DELETE FROM channels WHERE id IN (
         SELECT id FROM channels WHERE status = 'expired' AND offer_expires_at < ?
         ORDER BY offer_expires_at LIMIT ?)`,
    )
    .bind(cutoffSeconds, limit)
    .run();
  return result.meta.changes ?? 0;
}

/** The last chain tip the hub saw (for checks that must not wait on the node), or null. */
export async function knownTip(db: Db): Promise<number | null> {
  const row = await db.$client
    .prepare("SELECT value FROM hub_state WHERE key = 'tip_height'")
    .first<{ value: number }>();
  return row?.value ?? null;
}

/** Records a chain tip; never moves it backwards (a stale reader cannot undo a newer one). */
export const knownTipStatement = (db: Db, tipHeight: number): Statement =>
  rawStatement(
    db,
    `INSERT INTO hub_state (key, value) VALUES ('tip_height', ?)
     ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)`,
    tipHeight,
  );

/**
 * Channels the hub should close now (most urgent first): open ones within the close margin of
 * their refund locktime or exhausted (the payer signed away a dust balance), and those the payer
 * asked to close. Only channels with a signed state (seq ≥ 1): one never paid from is the payer's
 * alone, and they take it back by the CLTV path.
 */
export async function channelsToClose(
  db: Db,
  tipHeight: number,
  closeMarginBlocks: number,
  limit: number,
): Promise<Channel[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT id FROM channels
       WHERE settlement_id IS NULL AND seq >= 1 AND state_signature IS NOT NULL AND (
         (status = 'open' AND (refund_locktime - ? <= ? OR state_sighash_type = 130))
         OR status = 'closing')
       ORDER BY refund_locktime, id LIMIT ?`,
    )
    .bind(closeMarginBlocks, tipHeight, limit)
    .all<{ id: string }>();
  if (results.length === 0) return [];
  const rows = await db
    .select()
    .from(channels)
    .where(
      inArray(
        channels.id,
        results.map((r) => r.id),
      ),
    )
    .all();
  return rows.map(fromRow).sort((a, b) => a.refundLocktime - b.refundLocktime || (a.id < b.id ? -1 : 1));
}

/** Guarded: a settlement takes a channel to close it, with the state it planned on. */
export const closePlannedStatements = (
  db: Db,
  channel: Channel,
  settlementId: string,
  reason: NonNullable<Channel["closeReason"]>,
  nowSeconds: number,
): Statement[] => [
  rawStatement(
    db,
    `UPDATE channels SET status = 'closing', settlement_id = ?, close_reason = ?,
       close_requested_at = COALESCE(close_requested_at, ?)
     WHERE id = ? AND settlement_id IS NULL AND status IN ('open', 'closing') AND seq = ? AND payer_balance_msat = ?`,
    settlementId,
    reason,
    nowSeconds,
    channel.id,
    channel.seq,
    Number(channel.payerBalanceMsat),
  ),
  guardChanged(db, "channel_changed"),
];

/** Guarded: the settlement closing a channel is final on chain. */
export const closedStatements = (
  db: Db,
  channelId: string,
  settlementId: string,
  nowSeconds: number,
): Statement[] => [
  rawStatement(
    db,
    "UPDATE channels SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'closing' AND settlement_id = ?",
    nowSeconds,
    channelId,
    settlementId,
  ),
  guardChanged(db, "channel_changed"),
];

/** How many channels are in each status (for the operator). */
export async function channelCounts(db: Db): Promise<Record<string, number>> {
  const { results } = await db.$client
    .prepare("SELECT status, COUNT(*) AS n FROM channels GROUP BY status")
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

/**
 * Funded channels past their refund locktime that no settlement holds, most overdue first: the
 * ones whose output the payer may have taken back by the CLTV path.
 */
export async function channelsPastLocktime(db: Db, tipHeight: number, limit: number): Promise<Channel[]> {
  const rows = await db
    .select()
    .from(channels)
    .where(
      and(
        inArray(channels.status, ["opening", "open", "closing"]),
        isNull(channels.settlementId),
        // An unverified outpoint may not exist at all: "not unspent" says nothing about a refund.
        isNotNull(channels.fundingVerifiedAt),
        sql`${channels.fundingTxid} IS NOT NULL AND ${channels.refundLocktime} <= ${tipHeight}`,
      ),
    )
    .orderBy(asc(channels.refundLocktime), asc(channels.id))
    .limit(limit)
    .all();
  return rows.map(fromRow);
}

/**
 * Guarded: an abandoned settlement lets go of a channel whose output is still unspent: back to
 * `open` (or `closing` when its payer had asked), free for the next settlement to close.
 */
export const releasedStatements = (db: Db, channel: Channel, settlementId: string): Statement[] => [
  rawStatement(
    db,
    `UPDATE channels SET status = ?, settlement_id = NULL, close_reason = NULL
     WHERE id = ? AND status = 'closing' AND settlement_id = ?`,
    channel.closeReason === "requested" ? "closing" : "open",
    channel.id,
    settlementId,
  ),
  guardChanged(db, "channel_changed"),
];
