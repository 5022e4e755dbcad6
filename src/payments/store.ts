/** The only module that reads and writes payments and refunds. */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import { type Db, guardChanged, rawStatement, type Statement, statement } from "../db/client";
import { payments, refunds } from "../db/schema";
import type { Payment } from "./payment";

type Row = typeof payments.$inferSelect;

const fromRow = (row: Row): Payment => ({
  ...row,
  amountMsat: BigInt(row.amountMsat),
  feeMsat: BigInt(row.feeMsat),
  payerBalanceMsat: BigInt(row.payerBalanceMsat),
  refundedMsat: BigInt(row.refundedMsat),
});

/** Statement inserting a payment (unique per invoice and per channel state). */
export const insertPaymentStatement = (db: Db, p: Payment): Statement =>
  statement(
    db,
    db.insert(payments).values({
      ...p,
      amountMsat: Number(p.amountMsat),
      feeMsat: Number(p.feeMsat),
      payerBalanceMsat: Number(p.payerBalanceMsat),
      refundedMsat: Number(p.refundedMsat),
    }),
  );

/** The payment recorded for a channel state, or null. */
export async function paymentAt(db: Db, channelId: string, seq: number): Promise<Payment | null> {
  const row = await db
    .select()
    .from(payments)
    .where(and(eq(payments.channelId, channelId), eq(payments.seq, seq)))
    .get();
  return row ? fromRow(row) : null;
}

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
    statement(db, db.insert(refunds).values({ ...refund, amountMsat: Number(refund.amountMsat) })),
  ];
}
