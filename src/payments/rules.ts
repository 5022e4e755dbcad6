/** Pure payment decisions (DESIGN.md §5–7): replay, state transition, sighash rule, signature. */
import { secondsOf } from "../core/clock";
import { closingSighash } from "../chain/channel";
import { type Ecdsa, verifyDerLowS } from "../chain/signature";
import type { Channel } from "../channels/channel";
import type { ChannelPolicy, FeePolicy } from "../config";
import { domainError, type DomainError } from "../core/errors";
import type { RandomBytes } from "../core/ids";
import { newId } from "../core/ids";
import { err, ok, type Result } from "../core/result";
import { hexToBytes } from "../crypto";
import type { Invoice } from "../invoices/invoice";
import { effectiveStatus } from "../invoices/rules";
import { feeFor } from "../ledger/rules";
import { invoiceFiatValue } from "../rates/rules";
import type { Payment, PaymentRequest } from "./payment";
import { signReceipt } from "./receipt";

export interface PaymentContext {
  readonly channelPolicy: ChannelPolicy;
  readonly fees: FeePolicy;
  /** Last chain tip the hub saw; null when unknown. */
  readonly tipHeight: number | null;
  readonly nodeSecretKey: Uint8Array;
  readonly nowMs: number;
  readonly random: RandomBytes;
  /** The ECDSA backend (verifyDerLowS fixes strict DER and low S for all of them). */
  readonly ecdsa: Ecdsa;
}

export type PaymentDecision =
  | { readonly kind: "replay"; readonly payment: Payment }
  | { readonly kind: "new"; readonly payment: Payment; readonly channel: Channel; readonly invoice: Invoice };

/** Whether the same signed state was already accepted as this payment. */
const sameState = (p: Payment, r: PaymentRequest, invoice: Invoice) =>
  p.invoiceId === invoice.id &&
  p.seq === r.seq &&
  p.payerBalanceMsat === r.payerBalanceMsat &&
  p.sighashType === r.sighashType &&
  p.signature === r.signature;

/**
 * Decides a payment. `previous` is the payment already recorded at the request's seq, if any
 * (for replays). Checks run from the cheapest and most telling to the signature last.
 */
export function decidePayment(
  request: PaymentRequest,
  channel: Channel,
  invoice: Invoice,
  previous: Payment | null,
  ctx: PaymentContext,
): Result<PaymentDecision, DomainError> {
  const nowSeconds = secondsOf(ctx.nowMs);
  // The exact same signed state again: the same payment, never a second charge.
  if (previous && sameState(previous, request, invoice)) {
    return ok({ kind: "replay", payment: previous });
  }
  if (channel.status === "closing")
    return err(domainError("channel_closing", "the channel is closing; no more payments"));
  if (channel.status !== "open")
    return err(domainError("channel_not_open", `the channel is ${channel.status}`));
  if (
    ctx.tipHeight !== null &&
    ctx.tipHeight >= channel.refundLocktime - ctx.channelPolicy.closeMarginBlocks
  ) {
    return err(
      domainError("channel_closing", "the channel is too close to its refund locktime; no more payments"),
    );
  }
  if (request.seq !== channel.seq + 1) {
    return err(domainError("seq_conflict", `the next state must have seq ${channel.seq + 1}`, "seq"));
  }
  switch (effectiveStatus(invoice, nowSeconds)) {
    case "paid":
      return err(domainError("invoice_paid", "the invoice is already paid"));
    case "expired":
      return err(domainError("invoice_expired", "the invoice has expired"));
    case "canceled":
      return err(domainError("invoice_canceled", "the merchant canceled the invoice"));
    case "open":
      break;
  }
  if (invoice.amountMsat > channel.payerBalanceMsat) {
    return err(domainError("insufficient_balance", `the channel holds ${channel.payerBalanceMsat} msat`));
  }
  const nextBalance = channel.payerBalanceMsat - invoice.amountMsat;
  if (request.payerBalanceMsat !== nextBalance) {
    return err(
      domainError(
        "state_mismatch",
        `payer_balance_msat must be ${nextBalance} (previous − invoice amount)`,
        "payer_balance_msat",
      ),
    );
  }
  if (channel.fundingTxid === null || channel.fundingVout === null)
    throw new Error(`open channel ${channel.id} has no funding`);
  const funded = {
    payerPubkey: hexToBytes(channel.payerPubkey),
    hubPubkey: hexToBytes(channel.hubPubkey),
    refundLocktime: channel.refundLocktime,
    capacitySat: channel.capacitySat,
    refundScript: hexToBytes(channel.refundScriptPubkey),
    fundingTxid: channel.fundingTxid,
    fundingVout: channel.fundingVout,
  };
  // The template's nSequence carries request.seq: a signature of another state never verifies here.
  const { hash, sighashType } = closingSighash(funded, { seq: request.seq, payerBalanceMsat: nextBalance });
  if (request.sighashType !== sighashType) {
    return err(
      domainError(
        "invalid_sighash_type",
        `this state must be signed with sighash type ${sighashType} (0x${sighashType.toString(16)})`,
        "sighash_type",
      ),
    );
  }
  if (
    !/^([0-9a-f]{2})+$/.test(request.signature) ||
    !verifyDerLowS(hexToBytes(request.signature), hash, funded.payerPubkey, ctx.ecdsa)
  ) {
    return err(
      domainError(
        "invalid_signature",
        "the signature is not the payer's low-S DER signature of this state",
        "signature",
      ),
    );
  }
  const id = newId("payment", ctx.nowMs, ctx.random);
  const feeMsat = feeFor(invoice.amountMsat, ctx.fees);
  const receiptSignature = signReceipt(
    {
      payment_id: id,
      invoice_id: invoice.id,
      payment_hash: invoice.paymentHash,
      amount_msat: Number(invoice.amountMsat),
      channel_id: channel.id,
      seq: request.seq,
      payer_balance_msat: Number(nextBalance),
      created_at: nowSeconds,
    },
    ctx.nodeSecretKey,
    ctx.ecdsa,
  );
  return ok({
    kind: "new",
    payment: {
      id,
      merchantId: invoice.merchantId,
      invoiceId: invoice.id,
      channelId: channel.id,
      seq: request.seq,
      amountMsat: invoice.amountMsat,
      feeMsat,
      payerBalanceMsat: nextBalance,
      sighashType,
      signature: request.signature,
      receiptSignature,
      refundedMsat: 0n,
      createdAt: nowSeconds,
      fiat: invoiceFiatValue(invoice),
    },
    channel: {
      ...channel,
      seq: request.seq,
      payerBalanceMsat: nextBalance,
      stateSighashType: sighashType,
      stateSignature: request.signature,
    },
    invoice: { ...invoice, status: "paid", paidAt: nowSeconds, paymentId: id },
  });
}

/** The fee policy for a merchant: its override where set, else the default. */
export const merchantFees = (
  merchant: { feeBaseMsat: number | null; feePpm: number | null },
  defaults: FeePolicy,
): FeePolicy => ({
  baseMsat: merchant.feeBaseMsat === null ? defaults.baseMsat : BigInt(merchant.feeBaseMsat),
  ppm: merchant.feePpm === null ? defaults.ppm : BigInt(merchant.feePpm),
});

/** What became of a refund owed to a payer: still owed, in a settlement on its way, or paid for good. */
export type RefundProgress =
  | { readonly kind: "owed" }
  | { readonly kind: "paying"; readonly txid: string | null }
  | { readonly kind: "paid"; readonly txid: string };

/** A payout of a channel's refunds, as far as the payer needs it. */
export interface RefundPayout {
  readonly debitMsat: bigint;
  readonly status: "pending" | "broadcast" | "confirmed" | "failed";
  readonly txid: string | null;
}

/**
 * Where a refund stands. Settlement pays a channel's refunds from one ledger account, whole sats at
 * a time, so they are paid in order: a refund is covered by the first payout (oldest first, failed
 * ones gave their amount back) that reaches into it and leaves less than a sat of it owed. That
 * sub-sat rest stays owed in the ledger (and in the settlement proof) but no chain output can pay it.
 */
export function refundProgress(
  refund: { readonly beforeMsat: bigint; readonly amountMsat: bigint },
  payouts: readonly RefundPayout[],
): RefundProgress {
  const end = refund.beforeMsat + refund.amountMsat;
  let paidMsat = 0n;
  for (const p of payouts) {
    if (p.status === "failed") continue;
    paidMsat += p.debitMsat;
    if (paidMsat <= refund.beforeMsat || end - paidMsat >= 1_000n) continue;
    if (p.status === "confirmed" && p.txid !== null) return { kind: "paid", txid: p.txid };
    return { kind: "paying", txid: p.txid };
  }
  return { kind: "owed" };
}
