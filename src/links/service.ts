/** Payment link use cases: load → decide (rules.ts) → persist in one batch (store.ts). */
import { domainError, type DomainError } from "../core/errors";
import { newId } from "../core/ids";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { type Db, isGuardAbort, runBatch } from "../db/client";
import type { EventType, OutboxEvent } from "../events/event";
import { insertEventStatement } from "../events/store";
import type { Invoice } from "../invoices/invoice";
import { type CreateContext, createInvoice, effectiveStatus } from "../invoices/rules";
import { invoiceCreationStatements, type Moment } from "../invoices/service";
import { getInvoice } from "../invoices/store";
import type { LinkRequest, PaymentLink } from "./link";
import { decideVisit, disable, LINK_METADATA_KEY, newLink, visitAmount } from "./rules";
import {
  disableStatements,
  getLink,
  getVisit,
  insertLinkStatement,
  linkById,
  upsertVisitStatement,
} from "./store";
import { renderLink } from "./view";

const seconds = (at: Moment) => Math.floor(at.nowMs / 1000);

function linkEvent(type: EventType, link: PaymentLink, at: Moment): OutboxEvent {
  return {
    id: newId("event", at.nowMs, at.random),
    merchantId: link.merchantId,
    type,
    objectId: link.id,
    dedupeKey: `${type}:${link.id}`,
    createdAt: seconds(at),
    object: renderLink(link),
  };
}

/** Creates a link and its `payment_link.created` event in one batch. */
export async function createLink(
  db: Db,
  merchantId: string,
  request: LinkRequest,
  origin: string,
  at: Moment,
): Promise<PaymentLink> {
  const link = newLink(request, merchantId, origin, at.nowMs, at.random);
  await runBatch(db, [
    insertLinkStatement(db, link),
    insertEventStatement(db, linkEvent("payment_link.created", link, at)),
  ]);
  return link;
}

/** Disables a merchant's link (idempotent), announcing it once with `payment_link.disabled`. */
export async function disableLink(
  db: Db,
  merchantId: string,
  id: string,
  at: Moment,
): Promise<Result<PaymentLink, DomainError>> {
  const link = await getLink(db, merchantId, id);
  if (!link) return err(domainError("payment_link_not_found", `no payment link '${id}'`, "id"));
  const next = disable(link, seconds(at));
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

/**
 * A visitor asks to pay a link: the amount is decided, then the visitor's own open invoice for that
 * amount is handed back, or a new one is minted through the invoice service (invoice.created) and
 * recorded as the visitor's, in one batch.
 */
export async function visitLink(
  db: Db,
  input: { linkId: string; visitor: string; amountSat: string | undefined; maxMsat: bigint },
  ctx: Omit<CreateContext, "merchantId">,
): Promise<Result<Invoice, DomainError>> {
  const link = await linkById(db, input.linkId);
  if (!link) return err(domainError("payment_link_not_found", `no payment link '${input.linkId}'`, "id"));
  const amount = visitAmount(link, input.amountSat, input.maxMsat);
  if (!amount.ok) return amount;
  const now = seconds(ctx);
  const previous = await getVisit(db, link.id, input.visitor);
  const previousInvoice = previous ? await getInvoice(db, link.merchantId, previous.invoiceId) : null;
  const open = previousInvoice !== null && effectiveStatus(previousInvoice, now) === "open";
  const decision = decideVisit(previous, open, amount.value, now);
  if (decision.kind === "reuse" && previousInvoice) return ok(previousInvoice);
  const invoice = createInvoice(
    {
      amountMsat: amount.value,
      description: link.description ?? "",
      descriptionHash: null,
      expirySeconds: LIMITS.onDemandInvoiceExpirySeconds,
      metadata: { [LINK_METADATA_KEY]: link.id },
      orderId: null,
      successUrl: link.successUrl,
      publicMetadataKeys: [],
    },
    { ...ctx, merchantId: link.merchantId },
  );
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
