/** Payment views: the payer's result (preimage + signed receipt) and the merchant's record. */
import { msatToEdge } from "../core/money";
import type { Invoice } from "../invoices/invoice";
import type { FiatValue } from "../rates/rate";
import { exponentOf, renderFiatValue } from "../rates/view";
import type { Payment } from "./payment";
import type { RefundProgress } from "./rules";
import type { PayerRefundRow } from "./store";

/** What the payer gets back: the preimage, the new channel state, and the node-signed receipt. */
export function renderPaymentResult(p: Payment, invoice: Invoice) {
  return {
    id: p.id,
    object: "payment" as const,
    status: "succeeded" as const,
    invoice_id: p.invoiceId,
    amount_msat: msatToEdge(p.amountMsat),
    preimage: invoice.preimage,
    channel: { id: p.channelId, seq: p.seq, payer_balance_msat: msatToEdge(p.payerBalanceMsat) },
    receipt: {
      payment_id: p.id,
      invoice_id: p.invoiceId,
      payment_hash: invoice.paymentHash,
      amount_msat: msatToEdge(p.amountMsat),
      channel_id: p.channelId,
      seq: p.seq,
      payer_balance_msat: msatToEdge(p.payerBalanceMsat),
      created_at: p.createdAt,
      signature: p.receiptSignature,
    },
  };
}

/** What the merchant sees: amounts, fee, net, refunds. */
export function renderMerchantPayment(p: Payment) {
  return {
    id: p.id,
    object: "payment" as const,
    status: "succeeded" as const,
    invoice_id: p.invoiceId,
    channel_id: p.channelId,
    amount_msat: msatToEdge(p.amountMsat),
    fee_msat: msatToEdge(p.feeMsat),
    net_msat: msatToEdge(p.amountMsat - p.feeMsat),
    refunded_msat: msatToEdge(p.refundedMsat),
    created_at: p.createdAt,
    fiat_value: renderFiatValue(p.fiat),
  };
}

/** A refund as the API and the refund.created event render it. */
export const renderRefund = (r: {
  id: string;
  paymentId: string;
  amountMsat: bigint;
  reason: string | null;
  createdAt: number;
  fiat: FiatValue | null;
  fiatRateBasis: "original" | "current" | null;
}) => ({
  id: r.id,
  object: "refund" as const,
  payment_id: r.paymentId,
  amount_msat: msatToEdge(r.amountMsat),
  reason: r.reason,
  created_at: r.createdAt,
  fiat_value: renderFiatValue(r.fiat),
  fiat_rate_basis: r.fiatRateBasis,
});

export type RefundView = ReturnType<typeof renderRefund>;

/** A refund as its payer sees it (GET /v1/channels/{id}/refunds): who, how much, and where it stands. */
export const renderPayerRefund = (r: PayerRefundRow, progress: RefundProgress) => ({
  id: r.id,
  object: "refund" as const,
  payment_id: r.paymentId,
  invoice_id: r.invoiceId,
  merchant_name: r.merchantName,
  amount_msat: msatToEdge(r.amountMsat),
  fiat_value: r.fiat ? { ...renderFiatValue(r.fiat)!, exponent: exponentOf(r.fiat.currency) } : null,
  status: progress.kind,
  payout_txid: progress.kind === "owed" ? null : progress.txid,
  created_at: r.createdAt,
});
