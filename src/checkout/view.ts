/** The public checkout view: only what a shopper needs, never the preimage or private metadata. */
import { formatMinor } from "../core/currency";
import { msatToEdge } from "../core/money";
import { effectiveStatus } from "../invoices/rules";
import { invoiceFiatValue } from "../rates/rules";
import { exponentOf } from "../rates/view";
import type { CheckoutInvoice } from "./checkout";

/** "3,889.5 sats (EUR 3.50)": both amounts as plain text, for the page without JavaScript. */
export function amountText(invoice: CheckoutInvoice["invoice"]): string {
  const whole = (invoice.amountMsat / 1000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = invoice.amountMsat % 1000n;
  const sats = `${whole}${rest === 0n ? "" : `.${rest.toString().padStart(3, "0").replace(/0+$/, "")}`} sats`;
  const fiat = invoiceFiatValue(invoice);
  if (!fiat) return sats;
  const money = `${fiat.currency} ${formatMinor(fiat.amountMinor, exponentOf(fiat.currency))}`;
  return invoice.price ? `${money} (${sats})` : `${sats} (≈ ${money})`;
}

/** JSON for GET /v1/checkout/{id} at `nowSeconds`. */
export function renderCheckout({ invoice, merchantName }: CheckoutInvoice, nowSeconds: number) {
  const status = effectiveStatus(invoice, nowSeconds);
  const fiat = invoiceFiatValue(invoice);
  return {
    id: invoice.id,
    object: "checkout" as const,
    status,
    merchant_name: merchantName,
    description: invoice.description,
    amount_msat: msatToEdge(invoice.amountMsat),
    bolt11: invoice.bolt11,
    payment_hash: invoice.paymentHash,
    created_at: invoice.createdAt,
    expires_at: invoice.expiresAt,
    paid_at: status === "paid" ? invoice.paidAt : null,
    // The shop's thank-you page is revealed only once there is something to thank for.
    success_url: status === "paid" ? invoice.successUrl : null,
    metadata: Object.fromEntries(
      invoice.publicMetadataKeys
        .filter((key) => Object.hasOwn(invoice.metadata, key))
        .map((key) => [key, invoice.metadata[key]!]),
    ),
    // Both amounts: the fiat one is the price (basis "price") or the amount at the locked rate ("rate").
    fiat: fiat
      ? {
          currency: fiat.currency,
          amount_minor: Number(fiat.amountMinor),
          exponent: exponentOf(fiat.currency),
          basis: invoice.price ? ("price" as const) : ("rate" as const),
        }
      : null,
    server_time: nowSeconds,
  };
}

/** The public checkout view (JSON-safe: what the Cache API holds). */
export type CheckoutView = ReturnType<typeof renderCheckout>;

/**
 * A view rendered from an earlier read, as at `nowSeconds`: an open invoice whose time ran out
 * shows expired and the hub's clock moves on; nothing else a shopper sees changes with time.
 */
export function viewAt(view: CheckoutView, nowSeconds: number): CheckoutView {
  const status = effectiveStatus({ status: view.status, expiresAt: view.expires_at }, nowSeconds);
  return { ...view, status, server_time: nowSeconds };
}
