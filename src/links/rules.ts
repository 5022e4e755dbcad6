/** Pure payment-link decisions: creation, disabling, which amount a visit pays, reuse of an invoice. */
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import type { LinkRequest, PaymentLink, Visit, VisitDecision } from "./link";

/** A new active link; its page lives at `{origin}/l/{id}`. */
export function newLink(
  request: LinkRequest,
  merchantId: string,
  origin: string,
  nowMs: number,
  random: RandomBytes,
): PaymentLink {
  const id = newId("paymentLink", nowMs, random);
  return {
    id,
    merchantId,
    status: "active",
    amountMsat: request.amountMsat,
    description: request.description,
    successUrl: request.successUrl,
    url: `${origin}/l/${id}`,
    createdAt: Math.floor(nowMs / 1000),
    disabledAt: null,
  };
}

/** Disabling: an active link stops minting invoices; disabling a disabled one changes nothing. */
export function disable(link: PaymentLink, nowSeconds: number): { link: PaymentLink; changed: boolean } {
  if (link.status === "disabled") return { link, changed: false };
  return { link: { ...link, status: "disabled", disabledAt: nowSeconds }, changed: true };
}

/**
 * The amount a visit pays: a fixed link's own (an amount sent with it is refused, not ignored); an
 * open link's `amount_sat` as typed by the visitor, a positive whole number up to `maxMsat`.
 */
export function visitAmount(
  link: PaymentLink,
  amountSat: string | undefined,
  maxMsat: bigint,
): Result<bigint, DomainError> {
  if (link.status !== "active") {
    return err(domainError("payment_link_disabled", "this payment link no longer takes payments"));
  }
  if (link.amountMsat !== null) {
    return amountSat === undefined
      ? ok(link.amountMsat)
      : err(domainError("invalid_parameter", "this link has a fixed amount", "amount_sat"));
  }
  if (amountSat === undefined) {
    return err(domainError("missing_parameter", "choose an amount in sats", "amount_sat"));
  }
  if (!/^[1-9][0-9]{0,12}$/.test(amountSat)) {
    return err(domainError("invalid_parameter", "the amount is a whole number of sats", "amount_sat"));
  }
  const amountMsat = BigInt(amountSat) * 1000n;
  if (amountMsat > maxMsat) {
    return err(
      domainError("amount_out_of_range", `the amount is at most ${maxMsat / 1000n} sats`, "amount_sat"),
    );
  }
  return ok(amountMsat);
}

/**
 * Reuse or mint: a visitor asking again for the same amount gets the invoice it was handed while
 * that invoice is still open with enough time left to pay; anything else mints a fresh one.
 */
export function decideVisit(
  previous: Visit | null,
  previousInvoiceOpen: boolean,
  amountMsat: bigint,
  nowSeconds: number,
): VisitDecision {
  if (
    previous !== null &&
    previousInvoiceOpen &&
    previous.amountMsat === amountMsat &&
    previous.expiresAt - nowSeconds >= LIMITS.paymentLinkReuseMinSecondsLeft
  ) {
    return { kind: "reuse", invoiceId: previous.invoiceId };
  }
  return { kind: "mint", amountMsat };
}

/** The invoice metadata key naming the link an invoice was minted for. */
export const LINK_METADATA_KEY = "payment_link";

/** A visitor cookie value as the hub mints them: 16 random bytes, base64url. */
export const isVisitorId = (value: string | undefined): value is string =>
  value !== undefined && /^[A-Za-z0-9_-]{22}$/.test(value);
