/** Checkout: what a shopper sees of an invoice (the widget and the hosted page /pay/{id}). */
import type { Invoice } from "../invoices/invoice";

/** An invoice with the name of the merchant it is payable to. */
export interface CheckoutInvoice {
  readonly invoice: Invoice;
  readonly merchantName: string;
}
