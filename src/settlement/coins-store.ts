/**
 * The hub wallet's coins: deposits and settlement change, available → reserved by a settlement →
 * spent when it is final (or available again when it is abandoned). Every state change is guarded.
 */
import { type Db, guardChanged, rawStatement, type Statement } from "../db/client";
import type { HubCoin, HubUtxoRow } from "./settlement";
import { all, maybe, n, type Raw, s } from "./rows";

const utxoFrom = (r: Raw): HubUtxoRow => ({
  txid: s(r.txid),
  vout: n(r.vout),
  valueSat: BigInt(n(r.value_sat)),
  status: s(r.status) as HubUtxoRow["status"],
  source: s(r.source) as HubUtxoRow["source"],
  settlementId: maybe<string>(r.settlement_id),
  createdAt: n(r.created_at),
});

/** Hub wallet outputs available to spend, largest first. */
export async function availableCoins(db: Db, limit: number): Promise<HubCoin[]> {
  const rows = await all(
    db,
    "SELECT txid, vout, value_sat FROM hub_utxos WHERE status = 'available' ORDER BY value_sat DESC, txid, vout LIMIT ?",
    limit,
  );
  return rows.map((r) => ({ txid: s(r.txid), vout: n(r.vout), valueSat: BigInt(n(r.value_sat)) }));
}

/** The hub wallet's outputs not yet spent. */
export async function unspentHubUtxos(db: Db, limit: number): Promise<HubUtxoRow[]> {
  return (
    await all(
      db,
      "SELECT * FROM hub_utxos WHERE status <> 'spent' ORDER BY created_at DESC, txid, vout LIMIT ?",
      limit,
    )
  ).map(utxoFrom);
}

/** One hub wallet output, or null. */
export async function getHubUtxo(db: Db, txid: string, vout: number): Promise<HubUtxoRow | null> {
  const [row] = await all(db, "SELECT * FROM hub_utxos WHERE txid = ? AND vout = ?", txid, vout);
  return row ? utxoFrom(row) : null;
}

/** Totals of the hub wallet by status, in sat. */
export async function hubWalletTotals(
  db: Db,
): Promise<{ availableSat: bigint; reservedSat: bigint; count: number }> {
  const [row] = await all(
    db,
    `SELECT COALESCE(SUM(CASE WHEN status = 'available' THEN value_sat END), 0) AS available,
            COALESCE(SUM(CASE WHEN status = 'reserved' THEN value_sat END), 0) AS reserved,
            COUNT(CASE WHEN status <> 'spent' THEN 1 END) AS count
     FROM hub_utxos`,
  );
  return {
    availableSat: BigInt(n(row?.available ?? 0)),
    reservedSat: BigInt(n(row?.reserved ?? 0)),
    count: n(row?.count ?? 0),
  };
}

/** Statement registering a hub wallet output (the caller books the deposit in the same batch). */
export const insertHubUtxoStatement = (
  db: Db,
  utxo: {
    txid: string;
    vout: number;
    valueSat: bigint;
    source: "deposit" | "change";
    createdBy: string | null;
  },
  nowSeconds: number,
): Statement =>
  rawStatement(
    db,
    `INSERT INTO hub_utxos (txid, vout, value_sat, status, source, settlement_id, created_by_settlement, created_at)
     VALUES (?, ?, ?, 'available', ?, NULL, ?, ?)`,
    utxo.txid,
    utxo.vout,
    Number(utxo.valueSat),
    utxo.source,
    utxo.createdBy,
    nowSeconds,
  );

/** Guarded: reserves a hub coin for a settlement. */
export const reserveCoinStatements = (db: Db, coin: HubCoin, settlementId: string): Statement[] => [
  rawStatement(
    db,
    "UPDATE hub_utxos SET status = 'reserved', settlement_id = ? WHERE txid = ? AND vout = ? AND status = 'available'",
    settlementId,
    coin.txid,
    coin.vout,
  ),
  guardChanged(db, "hub_coin_not_available"),
];

/**
 * Guarded: a coin a settlement reserved is spent (its transaction is final) or released (its
 * transaction was abandoned: the wallet's to spend again).
 */
export const reservedCoinStatements = (
  db: Db,
  coin: { txid: string; vout: number },
  settlementId: string,
  outcome: "spent" | "released",
): Statement[] => [
  rawStatement(
    db,
    `UPDATE hub_utxos SET status = ?, settlement_id = CASE WHEN ? = 'spent' THEN settlement_id END
     WHERE txid = ? AND vout = ? AND status = 'reserved' AND settlement_id = ?`,
    outcome === "spent" ? "spent" : "available",
    outcome,
    coin.txid,
    coin.vout,
    settlementId,
  ),
  guardChanged(db, "hub_coin_not_reserved"),
];
