/** The exports' reads: a merchant's rows in a time range, a page at a time, ordered by (created_at, id). */
import type { Db } from "../db/client";
import type { ReportKind, TimeRange } from "./report";

/** Where the next page starts: after this (created_at, id). */
export interface Cursor {
  readonly createdAt: number;
  readonly id: string;
}

export interface PaymentRow {
  id: string;
  created_at: number;
  invoice_id: string;
  order_id: string | null;
  description: string | null;
  amount_msat: number;
  fee_msat: number;
  refunded_msat: number;
  fiat_currency: string | null;
  fiat_amount_minor: number | null;
  fiat_btc_price_minor: number | null;
  refunded_fiat_minor: number | null;
  price_currency: string | null;
  rate_source: string | null;
  rate_fetched_at: number | null;
}

export interface RefundRow {
  id: string;
  created_at: number;
  payment_id: string;
  invoice_id: string;
  reason: string | null;
  amount_msat: number;
  fiat_currency: string | null;
  fiat_amount_minor: number | null;
  fiat_btc_price_minor: number | null;
  fiat_rate_basis: string | null;
}

export interface PayoutRow {
  id: string;
  created_at: number;
  settlement_id: string;
  status: string;
  txid: string | null;
  script_pubkey: string;
  amount_sat: number;
  fee_share_sat: number;
  debit_msat: number;
  rate_price_minor: number | null;
  rate_hour_start: number | null;
}

const PAGE = `AND created_at >= ?2 AND created_at < ?3 AND (created_at > ?4 OR (created_at = ?4 AND id > ?5))
  ORDER BY created_at, id LIMIT ?6`;

// Built once; every page runs them as prepared SQL over the (merchant_id, created_at, id) indexes.
const SQL: Record<ReportKind, string> = {
  payments: `SELECT p.id, p.created_at, p.invoice_id, i.order_id, i.description, p.amount_msat, p.fee_msat,
      p.refunded_msat, p.fiat_currency, p.fiat_amount_minor, p.fiat_btc_price_minor,
      (SELECT SUM(r.fiat_amount_minor) FROM refunds r WHERE r.payment_id = p.id) AS refunded_fiat_minor,
      i.price_currency, i.rate_source, i.rate_fetched_at
    FROM (SELECT * FROM payments WHERE merchant_id = ?1 ${PAGE}) p JOIN invoices i ON i.id = p.invoice_id
    ORDER BY p.created_at, p.id`,
  refunds: `SELECT r.id, r.created_at, r.payment_id, p.invoice_id, r.reason, r.amount_msat, r.fiat_currency,
      r.fiat_amount_minor, r.fiat_btc_price_minor, r.fiat_rate_basis
    FROM (SELECT * FROM refunds WHERE merchant_id = ?1 ${PAGE}) r JOIN payments p ON p.id = r.payment_id
    ORDER BY r.created_at, r.id`,
  // A payout's fiat value is at the display currency's rate of its hour (rate_history), when there is one.
  payouts: `SELECT o.id, o.created_at, o.settlement_id, o.status, o.txid, o.script_pubkey, o.amount_sat,
      o.fee_share_sat, o.debit_msat,
      (SELECT h.btc_price_minor FROM rate_history h WHERE h.currency = ?7 AND h.hour_start <= o.created_at
        ORDER BY h.hour_start DESC LIMIT 1) AS rate_price_minor,
      (SELECT h.hour_start FROM rate_history h WHERE h.currency = ?7 AND h.hour_start <= o.created_at
        ORDER BY h.hour_start DESC LIMIT 1) AS rate_hour_start
    FROM (SELECT * FROM payouts WHERE merchant_id = ?1 AND kind = 'merchant' ${PAGE}) o
    ORDER BY o.created_at, o.id`,
};

const TABLE: Record<ReportKind, string> = { payments: "payments", refunds: "refunds", payouts: "payouts" };

/** How many rows a report would stream (the route refuses past LIMITS.reportMaxRows before starting). */
export async function countRows(
  db: Db,
  kind: ReportKind,
  merchantId: string,
  range: TimeRange,
): Promise<number> {
  const extra = kind === "payouts" ? " AND kind = 'merchant'" : "";
  const row = await db.$client
    .prepare(
      `SELECT COUNT(*) AS n FROM ${TABLE[kind]} WHERE merchant_id = ? AND created_at >= ? AND created_at < ?${extra}`,
    )
    .bind(merchantId, range.fromSeconds, range.toSeconds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** One page of a report's rows after `cursor` (null: from the start). */
export async function reportPage<R>(
  db: Db,
  kind: ReportKind,
  merchantId: string,
  range: TimeRange,
  cursor: Cursor | null,
  limit: number,
  displayCurrency: string | null,
): Promise<R[]> {
  const params: unknown[] = [
    merchantId,
    range.fromSeconds,
    range.toSeconds,
    cursor?.createdAt ?? range.fromSeconds - 1,
    cursor?.id ?? "",
    limit,
  ];
  if (kind === "payouts") params.push(displayCurrency);
  const { results } = await db.$client
    .prepare(SQL[kind])
    .bind(...params)
    .all<R>();
  return results;
}
