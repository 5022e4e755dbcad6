/** Payment and refund use cases: load → decide (rules.ts) → one guarded D1 batch (DESIGN.md §7). */
import type { Ecdsa } from "../chain/signature";
import type { Channel } from "../channels/channel";
import { transitionStatements } from "../channels/store";
import type { Config } from "../config";
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { err, ok, type Result } from "../core/result";
import { type Db, isGuardAbort, runBatch } from "../db/client";
import type { EventType, OutboxEvent } from "../events/event";
import { insertEventStatement } from "../events/store";
import type { Invoice } from "../invoices/invoice";
import { markPaidStatements } from "../invoices/store";
import { renderInvoice } from "../invoices/view";
import { payment as paymentJournal, refund as refundJournal } from "../ledger/rules";
import { journalStatements } from "../ledger/store";
import type { Payment, PaymentRequest } from "./payment";
import type { RatePolicy } from "../config";
import { type RefundAmount, type RefundRateBasis, refundInFiat, refundInMsat } from "../rates/rules";
import { currentRate } from "../rates/service";
import { decidePayment, merchantFees } from "./rules";
import { getPayment, insertPaymentStatement, paymentInputs, refundStatements } from "./store";
import { type RefundView, renderMerchantPayment, renderRefund } from "./view";

export interface At {
  readonly nowMs: number;
  readonly random: RandomBytes;
}

/** What a payment needs besides the request: the time, randomness and the ECDSA backend. */
export interface PayAt extends At {
  readonly ecdsa: Ecdsa;
}

const seconds = (at: At) => Math.floor(at.nowMs / 1000);

function event(type: EventType, merchantId: string, objectId: string, object: unknown, at: At): OutboxEvent {
  return {
    id: newId("event", at.nowMs, at.random),
    merchantId,
    type,
    objectId,
    dedupeKey: `${type}:${objectId}`,
    createdAt: seconds(at),
    object,
  };
}

export interface PaymentOutcome {
  readonly payment: Payment;
  readonly invoice: Invoice;
  /** True when this was the same signed state again (HTTP 200), false for a new payment (201). */
  readonly replay: boolean;
}

async function attempt(
  db: Db,
  config: Config,
  request: PaymentRequest,
  at: PayAt,
): Promise<Result<PaymentOutcome, DomainError> | "raced"> {
  const { invoice: issued, channel, tipHeight, previous } = await paymentInputs(db, request);
  if (!issued) return err(domainError("invoice_not_found", "this hub did not issue that invoice", "invoice"));
  const { invoice, merchant } = issued;
  if (!channel)
    return err(domainError("channel_not_found", `no channel '${request.channelId}'`, "channel_id"));
  const decision = decidePayment(request, channel, invoice, previous, {
    channelPolicy: config.channel,
    fees: merchantFees(merchant, config.fees),
    tipHeight,
    nodeSecretKey: config.keys.node.secretKey,
    nowMs: at.nowMs,
    random: at.random,
    ecdsa: at.ecdsa,
  });
  if (!decision.ok) return decision;
  // The snapshot read the invoice with its payment: a replay needs nothing more.
  if (decision.value.kind === "replay") return ok({ payment: decision.value.payment, invoice, replay: true });
  const { payment, channel: next, invoice: paid } = decision.value;
  try {
    await runBatch(db, paymentStatements(db, channel, next, paid, payment, at));
  } catch (e) {
    if (isGuardAbort(e)) return "raced";
    throw e;
  }
  return ok({ payment, invoice: paid, replay: false });
}

/** Everything one payment writes, as one batch: any guard failing aborts all of it. */
function paymentStatements(db: Db, from: Channel, next: Channel, invoice: Invoice, payment: Payment, at: At) {
  return [
    ...transitionStatements(db, from, next),
    ...markPaidStatements(db, invoice, seconds(at)),
    insertPaymentStatement(db, payment),
    ...journalStatements(
      db,
      paymentJournal(
        payment.id,
        payment.channelId,
        payment.merchantId,
        payment.amountMsat,
        payment.feeMsat,
        seconds(at),
      ),
    ),
    insertEventStatement(
      db,
      event("invoice.paid", invoice.merchantId, invoice.id, renderInvoice(invoice, seconds(at)), at),
    ),
    insertEventStatement(
      db,
      event("payment.succeeded", payment.merchantId, payment.id, renderMerchantPayment(payment), at),
    ),
  ];
}

/**
 * Pays an invoice from a channel. A concurrent writer that changed the channel or the invoice
 * first aborts our batch; we then decide again on what is there now (a replay, or a precise 409).
 */
export async function pay(
  db: Db,
  config: Config,
  request: PaymentRequest,
  at: PayAt,
): Promise<Result<PaymentOutcome, DomainError>> {
  for (let round = 0; round < 2; round++) {
    const outcome = await attempt(db, config, request, at);
    if (outcome !== "raced") return outcome;
  }
  return err(domainError("conflict", "the channel or invoice changed concurrently; retry"));
}

/** How a merchant asks for a refund: msat (all that is left when null), or a fiat amount at a rate. */
export type RefundAsk =
  | { readonly amountMsat: bigint | null; readonly fiat?: undefined }
  | { readonly fiat: { readonly amountMinor: bigint; readonly basis: RefundRateBasis } };

/**
 * Refunds part or all of a payment: the merchant's balance pays it; the hub owes it to the payer.
 * A fiat refund converts at the payment's rate or today's (rounding down; today's needs a fresh
 * rate); either way the ledger moves msat and the refund records its fiat value beside them.
 */
export async function refundPayment(
  db: Db,
  merchantId: string,
  request: { paymentId: string; reason: string | null } & RefundAsk,
  at: At & { readonly rates: RatePolicy },
): Promise<Result<RefundView, DomainError>> {
  const payment = await getPayment(db, merchantId, request.paymentId);
  if (!payment)
    return err(domainError("payment_not_found", `no payment '${request.paymentId}'`, "payment_id"));
  let asked: RefundAmount;
  if (request.fiat) {
    const current =
      request.fiat.basis === "current" && payment.fiat
        ? await currentRate(db, at.rates, payment.fiat.currency, at.nowMs)
        : null;
    if (current && !current.ok) return current;
    const converted = refundInFiat(
      payment,
      request.fiat.amountMinor,
      request.fiat.basis,
      current?.value ?? null,
    );
    if (!converted.ok) return converted;
    asked = converted.value;
  } else {
    asked = refundInMsat(payment, request.amountMsat ?? payment.amountMsat - payment.refundedMsat);
  }
  const amountMsat = asked.amountMsat;
  if (amountMsat <= 0n || payment.refundedMsat + amountMsat > payment.amountMsat) {
    return err(
      domainError(
        "refund_exceeds_payment",
        `at most ${payment.amountMsat - payment.refundedMsat} msat of this payment is left to refund`,
        request.fiat ? "fiat.amount_minor" : "amount_msat",
      ),
    );
  }
  const refund = {
    id: newId("refund", at.nowMs, at.random),
    merchantId,
    paymentId: payment.id,
    channelId: payment.channelId,
    amountMsat,
    reason: request.reason,
    createdAt: seconds(at),
    fiat: asked.fiat,
    fiatRateBasis: asked.basis,
  };
  const view = renderRefund(refund);
  try {
    await runBatch(db, [
      ...refundStatements(db, refund),
      ...journalStatements(
        db,
        refundJournal(refund.id, merchantId, payment.channelId, amountMsat, refund.createdAt),
      ),
      insertEventStatement(db, event("refund.created", merchantId, refund.id, view, at)),
    ]);
  } catch (e) {
    if (!isGuardAbort(e)) throw e;
    const current = await getPayment(db, merchantId, request.paymentId);
    if (current && current.refundedMsat + amountMsat > current.amountMsat) {
      return err(
        domainError(
          "refund_exceeds_payment",
          "another refund took what was left of this payment",
          "amount_msat",
        ),
      );
    }
    return err(
      domainError(
        "insufficient_merchant_balance",
        "your balance does not cover this refund (it was paid out or refunded)",
      ),
    );
  }
  return ok(view);
}
