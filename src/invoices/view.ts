/** The invoice as the API, webhooks and events render it. */
import { msatToEdge } from "../core/money";
import { invoiceFiatValue } from "../rates/rules";
import { renderFiatValue, renderPrice, renderRate } from "../rates/view";
import type { Invoice } from "./invoice";
import { effectiveStatus } from "./rules";

/** JSON view of an invoice at `nowSeconds`; the preimage appears only once paid. */
export function renderInvoice(invoice: Invoice, nowSeconds: number) {
  const status = effectiveStatus(invoice, nowSeconds);
  return {
    id: invoice.id,
    object: "invoice" as const,
    status,
    amount_msat: msatToEdge(invoice.amountMsat),
    description: invoice.description,
    description_hash: invoice.descriptionHash,
    payment_hash: invoice.paymentHash,
    bolt11: invoice.bolt11,
    expiry_seconds: invoice.expirySeconds,
    created_at: invoice.createdAt,
    expires_at: invoice.expiresAt,
    paid_at: invoice.paidAt,
    canceled_at: invoice.canceledAt,
    expired_at: status === "expired" ? (invoice.expiredAt ?? invoice.expiresAt) : null,
    preimage: status === "paid" ? invoice.preimage : null,
    metadata: invoice.metadata,
    order_id: invoice.orderId,
    payment_id: invoice.paymentId,
    checkout_url: invoice.checkoutUrl,
    success_url: invoice.successUrl,
    public_metadata_keys: [...invoice.publicMetadataKeys],
    price: renderPrice(invoice.price),
    rate: renderRate(invoice.rate),
    fiat_value: renderFiatValue(invoiceFiatValue(invoice)),
  };
}

export type InvoiceView = ReturnType<typeof renderInvoice>;
