/** Invoice use cases: load → decide (rules.ts) → persist in one batch (store.ts). */
import { secondsOf, type At } from "../core/clock";
import { domainError, type DomainError } from "../core/errors";
import { err, ok, type Result } from "../core/result";
import { type Db, isGuardAbort, runBatch, type Statement } from "../db/client";
import { type EventType, type OutboxEvent, outboxEvent } from "../events/event";
import { insertEventIfChangedStatement, insertEventStatement } from "../events/store";
import type { RatePolicy } from "../config";
import type { MerchantFiat } from "../rates/rate";
import { lockRate, priceInFiat } from "../rates/rules";
import { currentRate } from "../rates/service";
import type { Invoice, InvoiceAsk, InvoiceRequest } from "./invoice";
import { cancel, type CreateContext, createInvoice, expired, needsExpiry } from "./rules";
import { cancelStatements, dueForExpiry, expireStatement, getInvoice, insertInvoiceStatement } from "./store";
import { renderInvoice } from "./view";

/** The outbox event announcing an invoice change. */
const invoiceEvent = (type: EventType, invoice: Invoice, at: At): OutboxEvent =>
  outboxEvent(type, invoice.merchantId, invoice.id, renderInvoice(invoice, secondsOf(at.nowMs)), at);

/** The statements that store a new invoice and its `invoice.created` event (for a caller's batch). */
export const invoiceCreationStatements = (db: Db, invoice: Invoice, at: At): Statement[] => [
  insertInvoiceStatement(db, invoice),
  insertEventStatement(db, invoiceEvent("invoice.created", invoice, at)),
];

/** What pricing an invoice needs: the hub's rate policy and the merchant's fiat settings. */
export interface PricingContext {
  readonly policy: RatePolicy;
  readonly merchant: MerchantFiat;
}

/**
 * Prices what a merchant asks, writing nothing: a fiat price is converted at the current rate less
 * the merchant's spread (no fresh rate: `rate_unavailable`); an msat amount of a merchant with a
 * display currency locks that currency's rate when there is one (and goes without it when there is
 * none: sat invoices never depend on rates).
 */
export async function priceAsk(
  db: Db,
  ask: InvoiceAsk,
  nowMs: number,
  pricing: PricingContext,
): Promise<Result<InvoiceRequest, DomainError>> {
  if (ask.price) {
    const rate = await currentRate(db, pricing.policy, ask.price.currency, nowMs);
    if (!rate.ok)
      return rate.error.code === "currency_not_supported"
        ? err({ ...rate.error, param: "price.currency" })
        : rate;
    const priced = priceInFiat(ask.price, rate.value, pricing.merchant);
    if (!priced.ok) return priced;
    return ok({ ...ask, ...priced.value });
  }
  const display = pricing.merchant.displayCurrency;
  const rate = display ? await currentRate(db, pricing.policy, display, nowMs) : null;
  return ok({
    ...ask,
    amountMsat: ask.amountMsat,
    price: null,
    rate: rate?.ok ? lockRate(rate.value, 0) : null,
  });
}

/**
 * Issues an invoice from what a merchant asks (priced by priceAsk), in one batch after the caller's
 * `guards`; nothing is written on a refusal.
 */
export async function issueInvoice(
  db: Db,
  ask: InvoiceAsk,
  ctx: CreateContext,
  pricing: PricingContext,
  guards: readonly Statement[] = [],
): Promise<Result<Invoice, DomainError>> {
  const request = await priceAsk(db, ask, ctx.nowMs, pricing);
  if (!request.ok) return request;
  return ok(await createAndStore(db, request.value, ctx, guards));
}

/** Creates an invoice and its `invoice.created` event in one batch, after the caller's `guards`. */
export async function createAndStore(
  db: Db,
  request: InvoiceRequest,
  ctx: CreateContext,
  guards: readonly Statement[] = [],
): Promise<Invoice> {
  const invoice = createInvoice(request, ctx);
  await runBatch(db, [...guards, ...invoiceCreationStatements(db, invoice, ctx)]);
  return invoice;
}

/** Persists the expiry of an open invoice whose time ran out; exactly one writer emits the event. */
async function persistExpiry(db: Db, invoice: Invoice, at: At): Promise<Invoice> {
  const next = expired(invoice);
  await runBatch(db, [
    expireStatement(db, next),
    insertEventIfChangedStatement(db, invoiceEvent("invoice.expired", next, at)),
  ]);
  return next;
}

/** A merchant's invoice, with expiry enforced on read. */
export async function readInvoice(db: Db, merchantId: string, id: string, at: At): Promise<Invoice | null> {
  const invoice = await getInvoice(db, merchantId, id);
  if (invoice && needsExpiry(invoice, secondsOf(at.nowMs))) return persistExpiry(db, invoice, at);
  return invoice;
}

/** Cancels an open invoice (guarded batch with its event); paid or expired ones fail. */
export async function cancelInvoice(
  db: Db,
  merchantId: string,
  id: string,
  at: At,
): Promise<Result<Invoice, DomainError>> {
  const invoice = await readInvoice(db, merchantId, id, at);
  if (!invoice) return err(domainError("invoice_not_found", `no invoice '${id}'`, "id"));
  const decision = cancel(invoice, secondsOf(at.nowMs));
  if (!decision.ok) return decision;
  if (!decision.value.changed) return ok(decision.value.invoice);
  const next = decision.value.invoice;
  try {
    await runBatch(db, [
      ...cancelStatements(db, next, secondsOf(at.nowMs)),
      insertEventStatement(db, invoiceEvent("invoice.canceled", next, at)),
    ]);
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
    // Someone changed the invoice between our read and our write: decide again on what is there now.
    const current = await readInvoice(db, merchantId, id, at);
    if (!current) throw error;
    const again = cancel(current, secondsOf(at.nowMs));
    if (!again.ok) return again;
    if (!again.value.changed) return ok(again.value.invoice);
    return err(domainError("conflict", "the invoice changed while canceling; retry"));
  }
  return ok(next);
}

/** One cron tick of expiry: expires due invoices (bounded), returns how many it handled. */
export async function sweepExpired(db: Db, at: At, limit: number): Promise<number> {
  const due = await dueForExpiry(db, secondsOf(at.nowMs), limit);
  for (const invoice of due) await persistExpiry(db, invoice, at);
  return due.length;
}
