/** The checkout's only D1 read: an invoice (any merchant) with its merchant's display name, in one query. */
import { eq, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { invoices, merchants } from "../db/schema";
import { invoiceFromRow } from "../invoices/store";
import type { CheckoutInvoice } from "./checkout";

/** The invoice matching `where` with its merchant's name, or null. */
async function checkoutInvoice(db: Db, where: SQL): Promise<CheckoutInvoice | null> {
  const row = await db
    .select({ invoice: invoices, merchantName: merchants.name })
    .from(invoices)
    .innerJoin(merchants, eq(merchants.id, invoices.merchantId))
    .where(where)
    .get();
  return row ? { invoice: invoiceFromRow(row.invoice), merchantName: row.merchantName } : null;
}

/** The invoice and merchant name for the public checkout, or null when no such invoice exists. */
export const getCheckoutInvoice = (db: Db, invoiceId: string) =>
  checkoutInvoice(db, eq(invoices.id, invoiceId));

/** The same, found by payment hash (unique), for a wallet that holds only the BOLT11 string. */
export const getCheckoutInvoiceByHash = (db: Db, paymentHash: string) =>
  checkoutInvoice(db, eq(invoices.paymentHash, paymentHash));
