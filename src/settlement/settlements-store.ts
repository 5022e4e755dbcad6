/**
 * Settlements with their transactions, signed versions and leaves, and the lease one run holds.
 * Every state change is a guarded statement: a transition another run already made aborts the
 * whole batch instead of happening twice.
 */
import { bytesToHex, hexToBytes } from "../crypto";
import { type Db, guardChanged, rawStatement, type Statement } from "../db/client";
import type { Leaf } from "./merkle";
import { all, maybe, n, type Raw, s } from "./rows";
import {
  decodePlannedTx,
  encodePlannedTx,
  type PlannedTx,
  type SettlementRow,
  type SettlementStatus,
  type SettlementTxRow,
  type SettlementTxStatus,
  type TxVersion,
} from "./settlement";

const settlementFrom = (r: Raw): SettlementRow => ({
  id: s(r.id),
  status: s(r.status) as SettlementStatus,
  merkleRoot: s(r.merkle_root),
  totalLiabilitiesMsat: BigInt(n(r.total_liabilities_msat)),
  feeRateSatPerVb: n(r.fee_rate_sat_per_vb),
  txCount: n(r.tx_count),
  payoutCount: n(r.payout_count),
  closeCount: n(r.close_count),
  createdAt: n(r.created_at),
  finalAt: maybe<number>(r.final_at),
});

const txFrom = (r: Raw): SettlementTxRow => ({
  settlementId: s(r.settlement_id),
  idx: n(r.idx),
  status: s(r.status) as SettlementTxStatus,
  plan: decodePlannedTx(s(r.plan)),
  version: n(r.version),
  txid: maybe<string>(r.txid),
  rawTx: maybe<string>(r.raw_tx),
  broadcastHeight: maybe<number>(r.broadcast_height),
  broadcastAttempts: n(r.broadcast_attempts),
  lastError: maybe<string>(r.last_error),
  confirmedTxid: maybe<string>(r.confirmed_txid),
  confirmations: n(r.confirmations),
});

/** Takes the settlement lease until `untilMs` unless another run holds it; false when held. */
export async function takeLease(db: Db, nowMs: number, untilMs: number): Promise<boolean> {
  try {
    await db.$client.batch([
      rawStatement(
        db,
        `INSERT INTO hub_state (key, value) VALUES ('settlement_lease', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE hub_state.value <= ?`,
        untilMs,
        nowMs,
      ),
      guardChanged(db, "settlement_lease_held"),
    ]);
    return true;
  } catch (e) {
    if (/batch_guard_failed|constraint failed/i.test(`${e} ${(e as { cause?: unknown }).cause ?? ""}`))
      return false;
    throw e;
  }
}

/** Gives the lease back, if it is still ours. */
export async function releaseLease(db: Db, untilMs: number): Promise<void> {
  await rawStatement(
    db,
    "UPDATE hub_state SET value = 0 WHERE key = 'settlement_lease' AND value = ?",
    untilMs,
  ).run();
}

/** The settlement in flight (at most one), or null. */
export async function activeSettlement(db: Db): Promise<SettlementRow | null> {
  const [row] = await all(db, "SELECT * FROM settlements WHERE active = 1");
  return row ? settlementFrom(row) : null;
}

/** A settlement by id, or null. */
export async function getSettlement(db: Db, id: string): Promise<SettlementRow | null> {
  const [row] = await all(db, "SELECT * FROM settlements WHERE id = ?", id);
  return row ? settlementFrom(row) : null;
}

/** When the newest settlement was planned (Unix seconds), or null. */
export async function lastSettlementAt(db: Db): Promise<number | null> {
  const [row] = await all(db, "SELECT MAX(created_at) AS at FROM settlements");
  return maybe<number>(row?.at);
}

/** A settlement's transactions, in order. */
export async function settlementTxs(db: Db, settlementId: string): Promise<SettlementTxRow[]> {
  return (
    await all(db, "SELECT * FROM settlement_txs WHERE settlement_id = ? ORDER BY idx", settlementId)
  ).map(txFrom);
}

/** One transaction of a settlement, or undefined. */
export async function settlementTx(
  db: Db,
  settlementId: string,
  idx: number,
): Promise<SettlementTxRow | undefined> {
  const [row] = await all(
    db,
    "SELECT * FROM settlement_txs WHERE settlement_id = ? AND idx = ?",
    settlementId,
    idx,
  );
  return row ? txFrom(row) : undefined;
}

/** Every signed version of one transaction, oldest first. */
export async function txVersions(db: Db, settlementId: string, idx: number): Promise<TxVersion[]> {
  const rows = await all(
    db,
    "SELECT txid, version, plan, raw_tx FROM settlement_tx_versions WHERE settlement_id = ? AND idx = ? ORDER BY version",
    settlementId,
    idx,
  );
  return rows.map((r) => ({
    txid: s(r.txid),
    version: n(r.version),
    plan: decodePlannedTx(s(r.plan)),
    rawTx: s(r.raw_tx),
  }));
}

/** The liabilities a settlement anchored, in tree order. */
export async function settlementLeaves(db: Db, settlementId: string): Promise<Leaf[]> {
  const rows = await all(
    db,
    "SELECT leaves FROM settlement_leaves WHERE settlement_id = ? ORDER BY chunk",
    settlementId,
  );
  return rows.flatMap((r) =>
    (JSON.parse(s(r.leaves)) as [string, string, string?][]).map(([owner, balance, salt]) => ({
      owner,
      balanceMsat: BigInt(balance),
      ...(salt ? { salt: hexToBytes(salt) } : {}),
    })),
  );
}

/** The settlement row (in flight) and its planned transactions. */
export function insertSettlementStatements(
  db: Db,
  settlement: Omit<SettlementRow, "status" | "finalAt">,
  txs: readonly PlannedTx[],
): Statement[] {
  return [
    rawStatement(
      db,
      `INSERT INTO settlements (id, status, active, merkle_root, total_liabilities_msat, fee_rate_sat_per_vb,
         tx_count, payout_count, close_count, created_at)
       VALUES (?, 'planned', 1, ?, ?, ?, ?, ?, ?, ?)`,
      settlement.id,
      settlement.merkleRoot,
      Number(settlement.totalLiabilitiesMsat),
      settlement.feeRateSatPerVb,
      settlement.txCount,
      settlement.payoutCount,
      settlement.closeCount,
      settlement.createdAt,
    ),
    ...txs.map((tx) =>
      rawStatement(
        db,
        `INSERT INTO settlement_txs (settlement_id, idx, status, plan, fee_sat, vsize)
         VALUES (?, ?, 'planned', ?, ?, ?)`,
        settlement.id,
        tx.index,
        encodePlannedTx(tx),
        Number(tx.feeSat),
        tx.vsize,
      ),
    ),
  ];
}

/** Leaves per stored row: ~70 bytes each as JSON, far under D1's 2 MB row limit. */
const LEAVES_PER_ROW = 1_000;

/** Statements storing the leaves, a thousand per row (amounts as decimal strings: exact; salts hex). */
export function insertLeavesStatements(db: Db, settlementId: string, leaves: readonly Leaf[]): Statement[] {
  const out: Statement[] = [];
  for (let chunk = 0; chunk * LEAVES_PER_ROW < leaves.length; chunk++) {
    const rows = leaves
      .slice(chunk * LEAVES_PER_ROW, (chunk + 1) * LEAVES_PER_ROW)
      .map((l) => [l.owner, l.balanceMsat.toString(), ...(l.salt ? [bytesToHex(l.salt)] : [])]);
    out.push(
      rawStatement(
        db,
        "INSERT INTO settlement_leaves (settlement_id, chunk, leaves) VALUES (?, ?, ?)",
        settlementId,
        chunk,
        JSON.stringify(rows),
      ),
    );
  }
  return out;
}

const STATUS_ORDER =
  "CASE status WHEN 'planned' THEN 0 WHEN 'signed' THEN 1 WHEN 'broadcast' THEN 2 WHEN 'confirmed' THEN 3 ELSE 4 END";

/** Brings a settlement's status to its least advanced transaction's; final releases the in-flight slot. */
export const syncSettlementStatement = (db: Db, settlementId: string, nowSeconds: number): Statement =>
  rawStatement(
    db,
    `UPDATE settlements SET
       status = s.next,
       active = CASE WHEN s.next IN ('final', 'abandoned') THEN NULL ELSE 1 END,
       final_at = CASE WHEN s.next IN ('final', 'abandoned') THEN COALESCE(final_at, ?) ELSE NULL END
     FROM (SELECT CASE MIN(${STATUS_ORDER}) WHEN 0 THEN 'planned' WHEN 1 THEN 'signed' WHEN 2 THEN 'broadcast'
             WHEN 3 THEN 'confirmed'
             ELSE CASE WHEN SUM(status = 'final') > 0 THEN 'final' ELSE 'abandoned' END END AS next
           FROM settlement_txs WHERE settlement_id = ?) AS s
     WHERE settlements.id = ?`,
    nowSeconds,
    settlementId,
    settlementId,
  );

/** Guarded: records the signed bytes of a transaction's current version before any broadcast. */
export function signedStatements(
  db: Db,
  tx: SettlementTxRow,
  signed: { txid: string; rawHex: string },
  nowSeconds: number,
) {
  return [
    rawStatement(
      db,
      "UPDATE settlement_txs SET status = 'signed', txid = ?, raw_tx = ? WHERE settlement_id = ? AND idx = ? AND status = 'planned' AND version = ?",
      signed.txid,
      signed.rawHex,
      tx.settlementId,
      tx.idx,
      tx.version,
    ),
    guardChanged(db, "settlement_tx_changed"),
    versionStatement(db, tx.settlementId, tx.idx, tx.version, tx.plan, signed, nowSeconds),
    syncSettlementStatement(db, tx.settlementId, nowSeconds),
  ];
}

const versionStatement = (
  db: Db,
  settlementId: string,
  idx: number,
  version: number,
  plan: PlannedTx,
  signed: { txid: string; rawHex: string },
  nowSeconds: number,
) =>
  rawStatement(
    db,
    `INSERT INTO settlement_tx_versions (txid, settlement_id, idx, version, plan, raw_tx, fee_sat, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    signed.txid,
    settlementId,
    idx,
    version,
    encodePlannedTx(plan),
    signed.rawHex,
    Number(plan.feeSat),
    nowSeconds,
  );

/** Guarded: a fee bump's new version, persisted (signed) before it is broadcast. */
export function bumpStatements(
  db: Db,
  tx: SettlementTxRow,
  plan: PlannedTx,
  signed: { txid: string; rawHex: string },
  tipHeight: number,
  nowSeconds: number,
): Statement[] {
  return [
    rawStatement(
      db,
      `UPDATE settlement_txs SET status = 'signed', plan = ?, version = version + 1, txid = ?, raw_tx = ?,
         fee_sat = ?, broadcast_height = ?, last_error = NULL
       WHERE settlement_id = ? AND idx = ? AND version = ? AND status IN ('signed', 'broadcast')`,
      encodePlannedTx(plan),
      signed.txid,
      signed.rawHex,
      Number(plan.feeSat),
      tipHeight,
      tx.settlementId,
      tx.idx,
      tx.version,
    ),
    guardChanged(db, "settlement_tx_changed"),
    // Payouts already sent show the newest version's txid (finalize sets the one that confirmed).
    rawStatement(
      db,
      "UPDATE payouts SET txid = ? WHERE settlement_id = ? AND tx_idx = ? AND status = 'broadcast'",
      signed.txid,
      tx.settlementId,
      tx.idx,
    ),
    versionStatement(db, tx.settlementId, tx.idx, tx.version + 1, plan, signed, nowSeconds),
    syncSettlementStatement(db, tx.settlementId, nowSeconds),
  ];
}

/** Guarded: the node holds a version of this transaction (sent now, or found there). */
export function broadcastStatements(
  db: Db,
  tx: SettlementTxRow,
  tipHeight: number,
  nowSeconds: number,
): Statement[] {
  return [
    rawStatement(
      db,
      `UPDATE settlement_txs SET status = 'broadcast', broadcast_height = COALESCE(broadcast_height, ?),
         broadcast_attempts = broadcast_attempts + 1, last_error = NULL
       WHERE settlement_id = ? AND idx = ? AND status = 'signed' AND version = ?`,
      tipHeight,
      tx.settlementId,
      tx.idx,
      tx.version,
    ),
    guardChanged(db, "settlement_tx_changed"),
    syncSettlementStatement(db, tx.settlementId, nowSeconds),
  ];
}

/** Records why a broadcast failed (the node's words, no secrets): the next run tries again or bumps. */
export const broadcastFailedStatement = (db: Db, tx: SettlementTxRow, reason: string): Statement =>
  rawStatement(
    db,
    `UPDATE settlement_txs SET broadcast_attempts = broadcast_attempts + 1, last_error = ?
     WHERE settlement_id = ? AND idx = ? AND version = ?`,
    reason.slice(0, 500),
    tx.settlementId,
    tx.idx,
    tx.version,
  );

/** A version is confirmed (not yet final). */
export function confirmedStatements(
  db: Db,
  tx: SettlementTxRow,
  txid: string,
  confirmations: number,
  nowSeconds: number,
) {
  return [
    rawStatement(
      db,
      `UPDATE settlement_txs SET status = 'confirmed', confirmed_txid = ?, confirmations = ?
       WHERE settlement_id = ? AND idx = ? AND status IN ('signed', 'broadcast', 'confirmed')`,
      txid,
      confirmations,
      tx.settlementId,
      tx.idx,
    ),
    guardChanged(db, "settlement_tx_changed"),
    syncSettlementStatement(db, tx.settlementId, nowSeconds),
  ];
}

/** A reorg took the confirming block away: back to broadcast, waiting again from this tip. */
export function reorgedStatements(db: Db, tx: SettlementTxRow, tipHeight: number, nowSeconds: number) {
  return [
    rawStatement(
      db,
      `UPDATE settlement_txs SET status = 'broadcast', confirmed_txid = NULL, confirmations = 0, broadcast_height = ?
       WHERE settlement_id = ? AND idx = ? AND status = 'confirmed'`,
      tipHeight,
      tx.settlementId,
      tx.idx,
    ),
    guardChanged(db, "settlement_tx_changed"),
    syncSettlementStatement(db, tx.settlementId, nowSeconds),
  ];
}

/** Guarded: the transaction is final with the version the chain holds (its plan, fee and bytes). */
export function finalTxStatements(
  db: Db,
  tx: SettlementTxRow,
  confirmed: TxVersion,
  confirmations: number,
): Statement[] {
  return [
    rawStatement(
      db,
      `UPDATE settlement_txs SET status = 'final', confirmed_txid = ?, confirmations = ?, txid = ?, raw_tx = ?,
         plan = ?, fee_sat = ?
       WHERE settlement_id = ? AND idx = ? AND status IN ('signed', 'broadcast', 'confirmed')`,
      confirmed.txid,
      confirmations,
      confirmed.txid,
      confirmed.rawTx,
      encodePlannedTx(confirmed.plan),
      Number(confirmed.plan.feeSat),
      tx.settlementId,
      tx.idx,
    ),
    guardChanged(db, "settlement_tx_changed"),
  ];
}

/** True when a txid is one of the hub's settlement transactions (any version). */
export async function isSettlementTxid(db: Db, txid: string): Promise<boolean> {
  const [row] = await all(db, "SELECT 1 AS found FROM settlement_tx_versions WHERE txid = ?", txid);
  return row !== undefined;
}

/** Guarded: no version of this transaction can ever confirm (an input was spent by someone else). */
export const abandonTxStatements = (db: Db, tx: SettlementTxRow): Statement[] => [
  rawStatement(
    db,
    `UPDATE settlement_txs SET status = 'abandoned', last_error = 'an input was spent by another transaction'
     WHERE settlement_id = ? AND idx = ? AND status IN ('planned', 'signed', 'broadcast')`,
    tx.settlementId,
    tx.idx,
  ),
  guardChanged(db, "settlement_tx_changed"),
];
