/** The only module that reads and writes payment links and their visits. */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import { type Db, guardChanged, type Statement, statement } from "../db/client";
import { paymentLinks, paymentLinkVisits } from "../db/schema";
import type { PaymentLink, Visit } from "./link";

type Row = typeof paymentLinks.$inferSelect;

const big = (n: number | null) => (n === null ? null : BigInt(n));
const num = (n: bigint | null) => (n === null ? null : Number(n));

const fromRow = (row: Row): PaymentLink => ({
  id: row.id,
  merchantId: row.merchantId,
  status: row.status,
  amountMsat: big(row.amountMsat),
  price:
    row.priceCurrency !== null && row.priceAmountMinor !== null
      ? { currency: row.priceCurrency, amountMinor: BigInt(row.priceAmountMinor) }
      : null,
  openPrice:
    row.priceCurrency !== null && row.priceMinMinor !== null
      ? {
          currency: row.priceCurrency,
          minAmountMinor: BigInt(row.priceMinMinor),
          maxAmountMinor: big(row.priceMaxMinor),
        }
      : null,
  description: row.description,
  successUrl: row.successUrl,
  url: row.url,
  createdAt: row.createdAt,
  disabledAt: row.disabledAt,
});

/** Statement inserting a new link. */
export function insertLinkStatement(db: Db, link: PaymentLink): Statement {
  const { price, openPrice, ...rest } = link;
  return statement(
    db,
    db.insert(paymentLinks).values({
      ...rest,
      amountMsat: num(link.amountMsat),
      priceCurrency: price?.currency ?? openPrice?.currency ?? null,
      priceAmountMinor: num(price?.amountMinor ?? null),
      priceMinMinor: num(openPrice?.minAmountMinor ?? null),
      priceMaxMinor: num(openPrice?.maxAmountMinor ?? null),
    }),
  );
}

/** A link by id (any merchant: the page is public), or null. */
export async function linkById(db: Db, id: string): Promise<PaymentLink | null> {
  const row = await db.select().from(paymentLinks).where(eq(paymentLinks.id, id)).get();
  return row ? fromRow(row) : null;
}

/** A merchant's link by id, or null (another merchant's is not found). */
export async function getLink(db: Db, merchantId: string, id: string): Promise<PaymentLink | null> {
  const link = await linkById(db, id);
  return link && link.merchantId === merchantId ? link : null;
}

/** One page of a merchant's links, newest first; up to limit + 1 rows to tell has_more. */
export async function listLinks(
  db: Db,
  merchantId: string,
  query: { limit: number; startingAfter: string | undefined },
): Promise<PaymentLink[]> {
  const rows = await db
    .select()
    .from(paymentLinks)
    .where(
      and(
        eq(paymentLinks.merchantId, merchantId),
        query.startingAfter ? lt(paymentLinks.id, query.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(paymentLinks.id))
    .limit(query.limit + 1)
    .all();
  return rows.map(fromRow);
}

/** Guarded: disables the link only while it is active, else aborts the batch. */
export function disableStatements(db: Db, link: PaymentLink): Statement[] {
  return [
    statement(
      db,
      db
        .update(paymentLinks)
        .set({ status: "disabled", disabledAt: link.disabledAt })
        .where(and(eq(paymentLinks.id, link.id), eq(paymentLinks.status, "active"))),
    ),
    guardChanged(db, "payment_link_not_active"),
  ];
}

/** The invoice this visitor was last handed on this link, or null. */
export async function getVisit(db: Db, linkId: string, visitor: string): Promise<Visit | null> {
  const row = await db
    .select()
    .from(paymentLinkVisits)
    .where(and(eq(paymentLinkVisits.linkId, linkId), eq(paymentLinkVisits.visitor, visitor)))
    .get();
  return row ? { ...row, amountMsat: BigInt(row.amountMsat) } : null;
}

/** Statement recording (or replacing) the visitor's invoice on a link. */
export function upsertVisitStatement(db: Db, visit: Visit): Statement {
  const values = { ...visit, amountMsat: Number(visit.amountMsat) };
  return statement(
    db,
    db
      .insert(paymentLinkVisits)
      .values(values)
      .onConflictDoUpdate({
        target: [paymentLinkVisits.linkId, paymentLinkVisits.visitor],
        set: {
          invoiceId: sql`excluded.invoice_id`,
          amountMsat: sql`excluded.amount_msat`,
          expiresAt: sql`excluded.expires_at`,
        },
      }),
  );
}
