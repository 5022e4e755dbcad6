/** The checkout's only D1 read: an invoice (any merchant) with its merchant's display name, in one query. */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { invoices, merchants } from "../db/schema";
import { invoiceFromRow } from "../invoices/store";
import type { CheckoutInvoice } from "./checkout";

/** The invoice and merchant name for the public checkout, or null when no such invoice exists. */
export async function getCheckoutInvoice(db: Db, invoiceId: string): Promise<CheckoutInvoice | null> {
  const row = await db
    .select({ invoice: invoices, merchantName: merchants.name })
    .from(invoices)
    .innerJoin(merchants, eq(merchants.id, invoices.merchantId))
    .where(eq(invoices.id, invoiceId))
    .get();
  return row ? { invoice: invoiceFromRow(row.invoice), merchantName: row.merchantName } : null;
}
