/** The only module that reads and writes payments and refunds. */
import { and, desc, eq, getTableColumns, lt, sql } from "drizzle-orm";
import type { Channel } from "../channels/channel";
import { fromRow as channelFromRow } from "../channels/store";
import { type Db, guardChanged, rawStatement, type Statement, statement } from "../db/client";
import { channels, invoices, merchants, payments, refunds } from "../db/schema";
import type { Invoice } from "../invoices/invoice";
import { invoiceFromRow } from "../invoices/store";
import type { Merchant } from "../merchants/merchant";
import type { FiatValue } from "../rates/rate";
import type { Payment } from "./payment";

type Row = typeof payments.$inferSelect;

const fromRow = ({ fiatCurrency, fiatAmountMinor, fiatBtcPriceMinor, ...row }: Row): Payment => ({
  ...row,
  amountMsat: BigInt(row.amountMsat),
  feeMsat: BigInt(row.feeMsat),
  payerBalanceMsat: BigInt(row.payerBalanceMsat),
  refundedMsat: BigInt(row.refundedMsat),
  fiat: fiatFromColumns(fiatCurrency, fiatAmountMinor, fiatBtcPriceMinor),
});

/** A fiat value from its three columns (all set or all null). */
export const fiatFromColumns = (
  currency: string | null,
  amountMinor: number | null,
  btcPriceMinor: number | null,
): FiatValue | null =>
  currency !== null && amountMinor !== null && btcPriceMinor !== null
    ? { currency, amountMinor: BigInt(amountMinor), btcPriceMinor: BigInt(btcPriceMinor) }
    : null;

/** The three columns of a fiat value. */
export const fiatColumns = (v: FiatValue | null) => ({
  fiatCurrency: v?.currency ?? null,
  fiatAmountMinor: v ? Number(v.amountMinor) : null,
  fiatBtcPriceMinor: v ? Number(v.btcPriceMinor) : null,
});

const PAYMENT_FIELDS = Object.entries(getTableColumns(payments));
const INSERT_PAYMENT = `INSERT INTO payments (${PAYMENT_FIELDS.map(([, c]) => `"${c.name}"`).join(", ")})
  VALUES (${PAYMENT_FIELDS.map(() => "?").join(", ")})`;

/** Statement inserting a payment (unique per invoice and per channel state); prepared SQL, built once. */
export function insertPaymentStatement(db: Db, { fiat, ...p }: Payment): Statement {
  const row: Row = {
    ...p,
    ...fiatColumns(fiat),
    amountMsat: Number(p.amountMsat),
    feeMsat: Number(p.feeMsat),
    payerBalanceMsat: Number(p.payerBalanceMsat),
    refundedMsat: Number(p.refundedMsat),
  };
  return rawStatement(db, INSERT_PAYMENT, ...PAYMENT_FIELDS.map(([property]) => row[property as keyof Row]));
}

/** What a payment decision reads. */
export interface PaymentInputs {
  /** null when this hub did not issue the invoice. */
  readonly invoice: { readonly invoice: Invoice; readonly merchant: Merchant } | null;
  readonly channel: Channel | null;
  /** The last chain tip the hub saw, or null. */
  readonly tipHeight: number | null;
  /** The payment already recorded at the requested state's seq (a replay), or null. */
  readonly previous: Payment | null;
}

/** `"column" AS "property", …` of a table: raw SQL whose rows are the drizzle row type. */
const columnsOf = (table: Parameters<typeof getTableColumns>[0]) =>
  Object.entries(getTableColumns(table))
    .map(([property, column]) => `"${column.name}" AS "${property}"`)
    .join(", ");

// Built once: the hot path runs these as prepared SQL, with no query building per request.
const READ_INVOICE = `SELECT ${columnsOf(invoices)} FROM invoices WHERE bolt11 = ?1`;
const READ_MERCHANT = `SELECT ${columnsOf(merchants)} FROM merchants
  WHERE id = (SELECT merchant_id FROM invoices WHERE bolt11 = ?1)`;
const READ_CHANNEL = `SELECT ${columnsOf(channels)},
  (SELECT value FROM hub_state WHERE key = 'tip_height') AS "knownTipHeight" FROM channels WHERE id = ?1`;
const READ_PAYMENT = `SELECT ${columnsOf(payments)} FROM payments WHERE channel_id = ?1 AND seq = ?2`;

/**
 * Everything a payment decision needs, read in one D1 batch: one round trip instead of four, and
 * one consistent snapshot (a D1 batch is a transaction). BOLT11 strings are stored lower-case.
 */
export async function paymentInputs(
  db: Db,
  request: { bolt11: string; channelId: string; seq: number },
): Promise<PaymentInputs> {
  const bolt11 = request.bolt11.toLowerCase();
  const d1 = db.$client;
  const [invoiceRows, merchantRows, channelRows, previousRows] = await d1.batch([
    d1.prepare(READ_INVOICE).bind(bolt11),
    d1.prepare(READ_MERCHANT).bind(bolt11),
    d1.prepare(READ_CHANNEL).bind(request.channelId),
    d1.prepare(READ_PAYMENT).bind(request.channelId, request.seq),
  ]);
  const invoiceRow = invoiceRows?.results[0] as typeof invoices.$inferSelect | undefined;
  const merchant = merchantRows?.results[0] as typeof merchants.$inferSelect | undefined;
  const channelRow = channelRows?.results[0] as
    | (typeof channels.$inferSelect & { knownTipHeight: number | null })
    | undefined;
  const previousRow = previousRows?.results[0] as Row | undefined;
  if (invoiceRow && !merchant) throw new Error(`invoice ${invoiceRow.id} has no merchant`);
  return {
    invoice: invoiceRow && merchant ? { invoice: invoiceFromRow(invoiceRow), merchant } : null,
    channel: channelRow ? channelFromRow(withoutTip(channelRow)) : null,
    tipHeight: channelRow?.knownTipHeight ?? null,
    previous: previousRow ? fromRow(previousRow) : null,
  };
}

const withoutTip = ({
  knownTipHeight: _,
  ...row
}: typeof channels.$inferSelect & { knownTipHeight: unknown }) => row;

/** One of a merchant's payments, or null. */
export async function getPayment(db: Db, merchantId: string, id: string): Promise<Payment | null> {
  const row = await db
    .select()
    .from(payments)
    .where(and(eq(payments.id, id), eq(payments.merchantId, merchantId)))
    .get();
  return row ? fromRow(row) : null;
}

/** A merchant's payments, newest first; up to limit + 1 rows. */
export async function listPayments(
  db: Db,
  merchantId: string,
  page: { limit: number; startingAfter: string | undefined },
): Promise<Payment[]> {
  const rows = await db
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.merchantId, merchantId),
        page.startingAfter ? lt(payments.id, page.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(payments.id))
    .limit(page.limit + 1)
    .all();
  return rows.map(fromRow);
}

/** Merchant totals for the balance view. */
export async function merchantTotals(db: Db, merchantId: string) {
  const row = await db
    .select({
      gross: sql<number>`COALESCE(SUM(${payments.amountMsat}), 0)`,
      fees: sql<number>`COALESCE(SUM(${payments.feeMsat}), 0)`,
      refunded: sql<number>`COALESCE(SUM(${payments.refundedMsat}), 0)`,
      count: sql<number>`COUNT(*)`,
    })
    .from(payments)
    .where(eq(payments.merchantId, merchantId))
    .get();
  return {
    grossMsat: BigInt(row?.gross ?? 0),
    feesMsat: BigInt(row?.fees ?? 0),
    refundedMsat: BigInt(row?.refunded ?? 0),
    count: row?.count ?? 0,
  };
}

/** A merchant's fiat totals per currency: payments' values when paid, and refunds' values. */
export async function fiatTotals(db: Db, merchantId: string) {
  const d1 = db.$client;
  const [paid, refunded] = await d1.batch<{ currency: string; total: number; count: number }>([
    d1
      .prepare(
        `SELECT fiat_currency AS currency, SUM(fiat_amount_minor) AS total, COUNT(*) AS count FROM payments
         WHERE merchant_id = ? AND fiat_currency IS NOT NULL GROUP BY fiat_currency ORDER BY fiat_currency`,
      )
      .bind(merchantId),
    d1
      .prepare(
        `SELECT fiat_currency AS currency, SUM(fiat_amount_minor) AS total, COUNT(*) AS count FROM refunds
         WHERE merchant_id = ? AND fiat_currency IS NOT NULL GROUP BY fiat_currency`,
      )
      .bind(merchantId),
  ]);
  const refunds = new Map((refunded?.results ?? []).map((r) => [r.currency, BigInt(r.total)]));
  return (paid?.results ?? []).map((r) => ({
    currency: r.currency,
    grossMinor: BigInt(r.total),
    refundedMinor: refunds.get(r.currency) ?? 0n,
    paymentCount: r.count,
  }));
}

/** Guarded: adds a refund to a payment only while the total stays within the amount paid. */
export function refundStatements(
  db: Db,
  refund: {
    id: string;
    merchantId: string;
    paymentId: string;
    channelId: string;
    amountMsat: bigint;
    reason: string | null;
    createdAt: number;
    fiat: FiatValue | null;
    fiatRateBasis: "original" | "current" | null;
  },
): Statement[] {
  return [
    rawStatement(
      db,
      "UPDATE payments SET refunded_msat = refunded_msat + ? WHERE id = ? AND merchant_id = ? AND refunded_msat + ? <= amount_msat",
      Number(refund.amountMsat),
      refund.paymentId,
      refund.merchantId,
      Number(refund.amountMsat),
    ),
    guardChanged(db, "refund_exceeds_payment"),
    statement(
      db,
      db
        .insert(refunds)
        .values({ ...refund, ...fiatColumns(refund.fiat), amountMsat: Number(refund.amountMsat) }),
    ),
  ];
}

/** A refund as its payer sees it: the merchant's name, and how much of the channel's refunds came before. */
export interface PayerRefundRow {
  readonly id: string;
  readonly paymentId: string;
  readonly invoiceId: string;
  readonly merchantName: string;
  readonly amountMsat: bigint;
  readonly fiat: FiatValue | null;
  readonly createdAt: number;
  /** The sum of this channel's earlier refunds (by id, that is by time): settlement pays them first. */
  readonly beforeMsat: bigint;
}

/** A channel's refunds, newest first; up to limit + 1 rows. */
export async function channelRefunds(
  db: Db,
  channelId: string,
  page: { limit: number; startingAfter: string | undefined },
): Promise<PayerRefundRow[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT * FROM (
         SELECT r.id, r.payment_id, p.invoice_id, m.name AS merchant_name, r.amount_msat, r.created_at,
           r.fiat_currency, r.fiat_amount_minor, r.fiat_btc_price_minor,
           SUM(r.amount_msat) OVER (ORDER BY r.id) - r.amount_msat AS before_msat
         FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN merchants m ON m.id = r.merchant_id
         WHERE r.channel_id = ?1)
       WHERE ?2 IS NULL OR id < ?2 ORDER BY id DESC LIMIT ?3`,
    )
    .bind(channelId, page.startingAfter ?? null, page.limit + 1)
    .all<{
      id: string;
      payment_id: string;
      invoice_id: string;
      merchant_name: string;
      amount_msat: number;
      created_at: number;
      fiat_currency: string | null;
      fiat_amount_minor: number | null;
      fiat_btc_price_minor: number | null;
      before_msat: number;
    }>();
  return results.map((r) => ({
    id: r.id,
    paymentId: r.payment_id,
    invoiceId: r.invoice_id,
    merchantName: r.merchant_name,
    amountMsat: BigInt(r.amount_msat),
    fiat: fiatFromColumns(r.fiat_currency, r.fiat_amount_minor, r.fiat_btc_price_minor),
    createdAt: r.created_at,
    beforeMsat: BigInt(r.before_msat),
  }));
}
