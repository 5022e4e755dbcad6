/** Payments: an invoice paid by one payer-signed channel state (DESIGN.md §5–7). */
import type { FiatValue } from "../rates/rate";

export interface Payment {
  readonly id: string;
  readonly merchantId: string;
  readonly invoiceId: string;
  readonly channelId: string;
  readonly seq: number;
  readonly amountMsat: bigint;
  readonly feeMsat: bigint;
  readonly payerBalanceMsat: bigint;
  readonly sighashType: number;
  readonly signature: string;
  readonly receiptSignature: string;
  readonly refundedMsat: bigint;
  readonly createdAt: number;
  /** The fiat value when paid, from the invoice's locked rate (rates/rules.ts invoiceFiatValue); null: none. */
  readonly fiat: FiatValue | null;
}

/** The signed state a payer sends, validated for shape at the edge. */
export interface PaymentRequest {
  readonly bolt11: string;
  readonly channelId: string;
  readonly seq: number;
  readonly payerBalanceMsat: bigint;
  readonly sighashType: number;
  readonly signature: string;
}
