/** Payment link use cases: load → decide (rules.ts) → persist in one batch (store.ts). */
import { secondsOf, type At } from "../core/clock";
import { domainError, type DomainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { type Db, isGuardAbort, runBatch } from "../db/client";
import { type EventType, type OutboxEvent, outboxEvent } from "../events/event";
import { insertEventStatement } from "../events/store";
import type { RatePolicy } from "../config";
import type { Invoice } from "../invoices/invoice";
import { type CreateContext, createInvoice, effectiveStatus } from "../invoices/rules";
import { invoiceCreationStatements, priceAsk } from "../invoices/service";
import { getInvoice } from "../invoices/store";
import { getMerchant } from "../merchants/store";
import { merchantFiatOf } from "../rates/rate";
import type { LinkRequest, PaymentLink } from "./link";
import {
  checkConverted,
  checkLinkRequest,
  decideVisit,
  disable,
  LINK_METADATA_KEY,
  newLink,
  type VisitQuery,
  visitAmount,
} from "./rules";
import {
  disableStatements,
  getLink,
  getVisit,
  insertLinkStatement,
  linkById,
  upsertVisitStatement,
} from "./store";
import { renderLink } from "./view";

const linkEvent = (type: EventType, link: PaymentLink, at: At): OutboxEvent =>
  outboxEvent(type, link.merchantId, link.id, renderLink(link), at);

/** Creates a link and its `payment_link.created` event in one batch; a fiat link's currency must be the hub's. */
export async function createLink(
  db: Db,
  merchantId: string,
  request: LinkRequest,
  context: { origin: string; hubCurrencies: readonly string[] },
  at: At,
): Promise<Result<PaymentLink, DomainError>> {
  const checked = checkLinkRequest(request, context.hubCurrencies);
  if (!checked.ok) return checked;
  const link = newLink(checked.value, merchantId, context.origin, at.nowMs, at.random);
  await runBatch(db, [
    insertLinkStatement(db, link),
    insertEventStatement(db, linkEvent("payment_link.created", link, at)),
  ]);
  return ok(link);
}

/** Disables a merchant's link (idempotent), announcing it once with `payment_link.disabled`. */
export async function disableLink(
  db: Db,
  merchantId: string,
  id: string,
  at: At,
): Promise<Result<PaymentLink, DomainError>> {
  const link = await getLink(db, merchantId, id);
  if (!link) return err(domainError("payment_link_not_found", `no payment link '${id}'`, "id"));
  const next = disable(link, secondsOf(at.nowMs));
  if (!next.changed) return ok(next.link);
  try {
    await runBatch(db, [
      ...disableStatements(db, next.link),
      insertEventStatement(db, linkEvent("payment_link.disabled", next.link, at)),
    ]);
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
    // A concurrent disable won (and announced it).
    return ok((await getLink(db, merchantId, id)) ?? next.link);
  }
  return ok(next.link);
}

/** The visitor's previous invoice on the link, if any, with whether it is still open. */
async function previousInvoice(db: Db, link: PaymentLink, visitor: string, now: number) {
  const visit = await getVisit(db, link.id, visitor);
  const invoice = visit ? await getInvoice(db, link.merchantId, visit.invoiceId) : null;
  return invoice ? { ...invoice, open: effectiveStatus(invoice, now) === "open" } : null;
}

/**
 * A visitor asks to pay a link: the amount is decided, then the visitor's own open invoice for that
 * amount is handed back, or a new one is priced (a fiat price at the current rate less the
 * merchant's spread, the rate locked on the invoice; no fresh rate: `rate_unavailable`), minted
 * through the invoice service (invoice.created) and recorded as the visitor's, in one batch.
 */
export async function visitLink(
  db: Db,
  input: { linkId: string; visitor: string; query: VisitQuery; maxMsat: bigint },
  ctx: Omit<CreateContext, "merchantId">,
  policy: RatePolicy,
): Promise<Result<Invoice, DomainError>> {
  const link = await linkById(db, input.linkId);
  if (!link) return err(domainError("payment_link_not_found", `no payment link '${input.linkId}'`, "id"));
  const amount = visitAmount(link, input.query, input.maxMsat);
  if (!amount.ok) return amount;
  const now = secondsOf(ctx.nowMs);
  const previous = await previousInvoice(db, link, input.visitor, now);
  const decision = decideVisit(previous, amount.value, now);
  if (decision.kind === "reuse" && previous) return ok(previous);
  const merchant = await getMerchant(db, link.merchantId);
  const terms = {
    description: link.description ?? "",
    descriptionHash: null,
    expirySeconds: LIMITS.onDemandInvoiceExpirySeconds,
    metadata: { [LINK_METADATA_KEY]: link.id },
    orderId: null,
    successUrl: link.successUrl,
    publicMetadataKeys: [],
  };
  const priced = await priceAsk(
    db,
    amount.value.kind === "price"
      ? { ...terms, price: amount.value.price }
      : { ...terms, amountMsat: amount.value.amountMsat },
    ctx.nowMs,
    { policy, merchant: merchantFiatOf(merchant) },
  );
  if (!priced.ok) return priced;
  const tooBig = checkConverted(link, priced.value.amountMsat, input.maxMsat);
  if (tooBig) return err(tooBig);
  const invoice = createInvoice(priced.value, { ...ctx, merchantId: link.merchantId });
  await runBatch(db, [
    ...invoiceCreationStatements(db, invoice, ctx),
    upsertVisitStatement(db, {
      linkId: link.id,
      visitor: input.visitor,
      invoiceId: invoice.id,
      amountMsat: invoice.amountMsat,
      expiresAt: invoice.expiresAt,
    }),
  ]);
  return ok(invoice);
}
