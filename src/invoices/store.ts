/** The only module that reads and writes invoices. */
import { and, desc, eq, gt, lt, lte, or, type SQL } from "drizzle-orm";
import { type Db, guardChanged, type Statement, statement } from "../db/client";
import { invoices } from "../db/schema";
import type { Invoice, InvoiceStatus } from "./invoice";

type Row = typeof invoices.$inferSelect;

/** Invoices whose status a statement prepared on this request's handle changes (paid, canceled, expired). */
const statusChanges = new WeakMap<Db, Set<string>>();

/** Notes that a batch on this handle may change the invoice's status, so views of it can be purged after. */
function noteStatusChange(db: Db, invoiceId: string): void {
  const ids = statusChanges.get(db) ?? new Set<string>();
  ids.add(invoiceId);
  statusChanges.set(db, ids);
}

/**
 * The invoices this request's handle prepared status changes for (even if their batch then
 * aborted): every status change is built here, so this is never a false "none".
 */
export const statusChangedInvoices = (db: Db): readonly string[] => [...(statusChanges.get(db) ?? [])];

/** An invoice row as the domain sees it (also for reads batched by other use cases). */
export const invoiceFromRow = ({
  priceCurrency,
  priceAmountMinor,
  rateCurrency,
  rateBtcPriceMinor,
  rateSpreadPpm,
  rateSource,
  rateFetchedAt,
  ...row
}: Row): Invoice => ({
  ...row,
  amountMsat: BigInt(row.amountMsat),
  metadata: JSON.parse(row.metadata) as Record<string, string>,
  publicMetadataKeys: JSON.parse(row.publicMetadataKeys) as string[],
  price:
    priceCurrency !== null && priceAmountMinor !== null
      ? { currency: priceCurrency, amountMinor: BigInt(priceAmountMinor) }
      : null,
  rate:
    rateCurrency !== null && rateBtcPriceMinor !== null && rateSource !== null && rateFetchedAt !== null
      ? {
          currency: rateCurrency,
          btcPriceMinor: BigInt(rateBtcPriceMinor),
          spreadPpm: rateSpreadPpm ?? 0,
          source: rateSource,
          fetchedAt: rateFetchedAt,
        }
      : null,
});

/** The row columns of an invoice's price and locked rate. */
const fiatColumns = ({ price, rate }: Pick<Invoice, "price" | "rate">) => ({
  priceCurrency: price?.currency ?? null,
  priceAmountMinor: price ? Number(price.amountMinor) : null,
  rateCurrency: rate?.currency ?? null,
  rateBtcPriceMinor: rate ? Number(rate.btcPriceMinor) : null,
  rateSpreadPpm: rate?.spreadPpm ?? null,
  rateSource: rate?.source ?? null,
  rateFetchedAt: rate?.fetchedAt ?? null,
});

/** Statement inserting a new invoice. */
export function insertInvoiceStatement(db: Db, { price, rate, ...invoice }: Invoice): Statement {
  return statement(
    db,
    db.insert(invoices).values({
      ...invoice,
      ...fiatColumns({ price, rate }),
      amountMsat: Number(invoice.amountMsat),
      metadata: JSON.stringify(invoice.metadata),
      publicMetadataKeys: JSON.stringify(invoice.publicMetadataKeys),
    }),
  );
}

/** A merchant's invoice by id, or null (another merchant's invoice is not found). */
export async function getInvoice(db: Db, merchantId: string, id: string): Promise<Invoice | null> {
  const row = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, id), eq(invoices.merchantId, merchantId)))
    .get();
  return row ? invoiceFromRow(row) : null;
}

/** Condition for an effective status at `now` (open-but-past-expiry counts as expired). */
function statusCondition(status: InvoiceStatus, nowSeconds: number): SQL | undefined {
  if (status === "open") return and(eq(invoices.status, "open"), gt(invoices.expiresAt, nowSeconds));
  if (status === "expired") {
    return or(
      eq(invoices.status, "expired"),
      and(eq(invoices.status, "open"), lte(invoices.expiresAt, nowSeconds)),
    );
  }
  return eq(invoices.status, status);
}

/** One page of a merchant's invoices, newest first; returns up to limit + 1 rows to tell has_more. */
export async function listInvoices(
  db: Db,
  merchantId: string,
  query: {
    status: InvoiceStatus | undefined;
    limit: number;
    startingAfter: string | undefined;
    nowSeconds: number;
  },
): Promise<Invoice[]> {
  const rows = await db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.merchantId, merchantId),
        query.status ? statusCondition(query.status, query.nowSeconds) : undefined,
        query.startingAfter ? lt(invoices.id, query.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(invoices.id))
    .limit(query.limit + 1)
    .all();
  return rows.map(invoiceFromRow);
}

/** Guarded cancel: aborts the batch unless the invoice is still open and unexpired. */
export function cancelStatements(db: Db, invoice: Invoice, nowSeconds: number): Statement[] {
  noteStatusChange(db, invoice.id);
  const open = and(
    eq(invoices.id, invoice.id),
    eq(invoices.status, "open"),
    gt(invoices.expiresAt, nowSeconds),
  );
  return [
    statement(
      db,
      db.update(invoices).set({ status: "canceled", canceledAt: invoice.canceledAt }).where(open),
    ),
    guardChanged(db, "invoice_not_open"),
  ];
}

/** Expiry: a no-op when another writer got there first (the event that follows checks changes()). */
export function expireStatement(db: Db, invoice: Invoice): Statement {
  noteStatusChange(db, invoice.id);
  const due = and(
    eq(invoices.id, invoice.id),
    eq(invoices.status, "open"),
    lte(invoices.expiresAt, invoice.expiresAt),
  );
  return statement(
    db,
    db.update(invoices).set({ status: "expired", expiredAt: invoice.expiredAt }).where(due),
  );
}

/** Open invoices whose expiry has passed, oldest first, for the cron sweep. */
export async function dueForExpiry(db: Db, nowSeconds: number, limit: number): Promise<Invoice[]> {
  const rows = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.status, "open"), lte(invoices.expiresAt, nowSeconds)))
    .orderBy(invoices.expiresAt)
    .limit(limit)
    .all();
  return rows.map(invoiceFromRow);
}

/** Guarded: marks the invoice paid only if it is still open and unexpired, else aborts the batch. */
export function markPaidStatements(db: Db, invoice: Invoice, nowSeconds: number): Statement[] {
  noteStatusChange(db, invoice.id);
  const open = and(
    eq(invoices.id, invoice.id),
    eq(invoices.status, "open"),
    gt(invoices.expiresAt, nowSeconds),
  );
  return [
    statement(
      db,
      db
        .update(invoices)
        .set({ status: "paid", paidAt: invoice.paidAt, paymentId: invoice.paymentId })
        .where(open),
    ),
    guardChanged(db, "invoice_not_open"),
  ];
}
