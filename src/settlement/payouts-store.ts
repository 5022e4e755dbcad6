/**
 * Payouts: who can be paid now, and each payout of a settlement from pending to broadcast,
 * confirmed or failed. Every state change is guarded.
 */
import { type Db, guardChanged, rawStatement, type Statement } from "../db/client";
import type { PayoutCandidate, PayoutRow, PayoutStatus } from "./settlement";
import { all, maybe, n, type Raw, s } from "./rows";

const payoutFrom = (r: Raw): PayoutRow => ({
  id: s(r.id),
  settlementId: s(r.settlement_id),
  txIdx: n(r.tx_idx),
  vout: n(r.vout),
  kind: s(r.kind) as PayoutRow["kind"],
  merchantId: maybe<string>(r.merchant_id),
  channelId: maybe<string>(r.channel_id),
  scriptPubkey: s(r.script_pubkey),
  amountSat: BigInt(n(r.amount_sat)),
  feeShareSat: BigInt(n(r.fee_share_sat)),
  debitMsat: BigInt(n(r.debit_msat)),
  status: s(r.status) as PayoutStatus,
  txid: maybe<string>(r.txid),
  createdAt: n(r.created_at),
  broadcastAt: maybe<number>(r.broadcast_at),
  confirmedAt: maybe<number>(r.confirmed_at),
});

/** Payouts of a settlement (optionally of one of its transactions). */
export async function payoutsOf(db: Db, settlementId: string, txIdx?: number): Promise<PayoutRow[]> {
  const rows =
    txIdx === undefined
      ? await all(db, "SELECT * FROM payouts WHERE settlement_id = ? ORDER BY tx_idx, vout", settlementId)
      : await all(
          db,
          "SELECT * FROM payouts WHERE settlement_id = ? AND tx_idx = ? ORDER BY vout",
          settlementId,
          txIdx,
        );
  return rows.map(payoutFrom);
}

/** One of a merchant's payouts, or null. */
export async function getPayout(db: Db, merchantId: string, id: string): Promise<PayoutRow | null> {
  const [row] = await all(db, "SELECT * FROM payouts WHERE id = ? AND merchant_id = ?", id, merchantId);
  return row ? payoutFrom(row) : null;
}

/** A merchant's payouts, newest first; up to limit + 1 rows. */
export async function listPayouts(
  db: Db,
  merchantId: string,
  page: { limit: number; startingAfter: string | undefined; status?: PayoutStatus },
): Promise<PayoutRow[]> {
  const rows = await all(
    db,
    `SELECT * FROM payouts WHERE merchant_id = ?
       AND (? IS NULL OR id < ?) AND (? IS NULL OR status = ?)
     ORDER BY id DESC LIMIT ?`,
    merchantId,
    page.startingAfter ?? null,
    page.startingAfter ?? null,
    page.status ?? null,
    page.status ?? null,
    page.limit + 1,
  );
  return rows.map(payoutFrom);
}

/** Statement inserting a payout (pending). */
export const insertPayoutStatement = (db: Db, p: PayoutRow): Statement =>
  rawStatement(
    db,
    `INSERT INTO payouts (id, settlement_id, tx_idx, vout, kind, merchant_id, channel_id, script_pubkey,
       amount_sat, fee_share_sat, debit_msat, status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
    p.id,
    p.settlementId,
    p.txIdx,
    p.vout,
    p.kind,
    p.merchantId,
    p.channelId,
    p.scriptPubkey,
    Number(p.amountSat),
    Number(p.feeShareSat),
    Number(p.debitMsat),
    p.createdAt,
  );

/** Guarded: a payout's transaction reached the node (its first broadcast). */
export const payoutBroadcastStatement = (
  db: Db,
  payoutId: string,
  txid: string,
  nowSeconds: number,
): Statement =>
  rawStatement(
    db,
    "UPDATE payouts SET status = 'broadcast', txid = ?, broadcast_at = ? WHERE id = ? AND status = 'pending'",
    txid,
    nowSeconds,
    payoutId,
  );

/** Guarded: a payout is on chain for good. */
export const payoutConfirmedStatements = (
  db: Db,
  payoutId: string,
  txid: string,
  nowSeconds: number,
): Statement[] => [
  rawStatement(
    db,
    "UPDATE payouts SET status = 'confirmed', txid = ?, confirmed_at = ? WHERE id = ? AND status IN ('pending', 'broadcast')",
    txid,
    nowSeconds,
    payoutId,
  ),
  guardChanged(db, "payout_changed"),
];

/**
 * Who can be paid now, oldest account first: merchants with a payout address whose ledger
 * balance reached their threshold (or the default), and payers owed refunds (paid to the
 * channel's refund script).
 */
export async function payoutCandidates(
  db: Db,
  defaultThresholdMsat: bigint,
  limit: number,
  /** Below this a payout would be dust after its fee share: such balances wait without taking a slot. */
  minimumMsat: bigint,
): Promise<PayoutCandidate[]> {
  const merchants = await all(
    db,
    `SELECT m.id AS owner, m.payout_script_pubkey AS script, b.balance_msat AS balance
     FROM merchants m JOIN ledger_balances b ON b.account = 'merchant:' || m.id
     WHERE m.payout_script_pubkey IS NOT NULL AND b.balance_msat >= ?
       AND b.balance_msat >= COALESCE(m.payout_threshold_msat, ?)
     ORDER BY m.id LIMIT ?`,
    Number(minimumMsat),
    Number(defaultThresholdMsat),
    limit,
  );
  const refunds = await all(
    db,
    `SELECT c.id AS owner, c.refund_script_pubkey AS script, b.balance_msat AS balance
     FROM ledger_balances b JOIN channels c ON b.account = 'refund_owed:' || c.id
     WHERE b.account LIKE 'refund_owed:%' AND b.balance_msat >= ?
     ORDER BY c.id LIMIT ?`,
    Number(minimumMsat),
    Math.max(0, limit - merchants.length),
  );
  return [
    ...merchants.map((r) => ({
      kind: "merchant" as const,
      ownerId: s(r.owner),
      script: s(r.script),
      availableMsat: BigInt(n(r.balance)),
    })),
    ...refunds.map((r) => ({
      kind: "refund" as const,
      ownerId: s(r.owner),
      script: s(r.script),
      availableMsat: BigInt(n(r.balance)),
    })),
  ];
}

/** Guarded: a payout whose transaction was abandoned. */
export const payoutFailedStatements = (db: Db, payoutId: string): Statement[] => [
  rawStatement(
    db,
    "UPDATE payouts SET status = 'failed' WHERE id = ? AND status IN ('pending', 'broadcast')",
    payoutId,
  ),
  guardChanged(db, "payout_changed"),
];

/** The payouts of refunds owed to a channel's payer that still count (not failed), oldest first. */
export async function refundPayoutsOf(db: Db, channelId: string): Promise<PayoutRow[]> {
  const rows = await all(
    db,
    `SELECT * FROM payouts WHERE channel_id = ? AND kind = 'refund' AND status <> 'failed'
     ORDER BY created_at, id`,
    channelId,
  );
  return rows.map(payoutFrom);
}
