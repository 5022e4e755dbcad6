/** The public checkout view: only what a shopper needs, never the preimage or private metadata. */
import { msatToEdge } from "../core/money";
import { effectiveStatus } from "../invoices/rules";
import type { CheckoutInvoice } from "./checkout";

/** JSON for GET /v1/checkout/{id} at `nowSeconds`. */
export function renderCheckout({ invoice, merchantName }: CheckoutInvoice, nowSeconds: number) {
  const status = effectiveStatus(invoice, nowSeconds);
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
    server_time: nowSeconds,
  };
}
