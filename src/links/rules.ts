/** Pure payment-link decisions: creation, disabling, which amount a visit pays, reuse of an invoice. */
import { secondsOf } from "../core/clock";
import { formatMinor, minorUnitExponent, parseMajorExact } from "../core/currency";
import { domainError, type DomainError, type ErrorCode } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import type { LinkRequest, OpenPrice, PaymentLink, PreviousInvoice, VisitAsk, VisitDecision } from "./link";

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
    price: request.price,
    openPrice: request.openPrice,
    description: request.description,
    successUrl: request.successUrl,
    url: `${origin}/l/${id}`,
    createdAt: secondsOf(nowMs),
    disabledAt: null,
  };
}

/** The currency a link prices in, or null for sats. */
export const linkCurrency = (link: Pick<LinkRequest, "price" | "openPrice">): string | null =>
  link.price?.currency ?? link.openPrice?.currency ?? null;

/**
 * What the schema cannot tell alone: a fiat link's currency is one this hub prices in (a link that
 * could never mint an invoice is refused), and an open fiat amount's least is not above its most.
 */
export function checkLinkRequest(
  request: LinkRequest,
  hubCurrencies: readonly string[],
): Result<LinkRequest, DomainError> {
  const currency = linkCurrency(request);
  if (currency !== null && !hubCurrencies.includes(currency)) {
    return err(
      domainError(
        "currency_not_supported",
        `this hub prices in ${hubCurrencies.join(", ")}; not ${currency}`,
        request.price ? "price.currency" : "open_price.currency",
      ),
    );
  }
  const open = request.openPrice;
  if (open?.maxAmountMinor != null && open.maxAmountMinor < open.minAmountMinor) {
    return err(
      domainError(
        "invalid_range",
        "open_price.max_amount_minor is less than open_price.min_amount_minor",
        "open_price.max_amount_minor",
      ),
    );
  }
  return ok(request);
}

/** Disabling: an active link stops minting invoices; disabling a disabled one changes nothing. */
export function disable(link: PaymentLink, nowSeconds: number): { link: PaymentLink; changed: boolean } {
  if (link.status === "disabled") return { link, changed: false };
  return { link: { ...link, status: "disabled", disabledAt: nowSeconds }, changed: true };
}

/** What a visitor sent: `amount_sat` for an open link in sats, `amount` (major units) for one in fiat. */
export interface VisitQuery {
  readonly amountSat?: string | undefined;
  readonly amount?: string | undefined;
}

const refused = (code: ErrorCode, message: string, param: string) => err(domainError(code, message, param));

/**
 * What a visit pays: a fixed link's own amount or price (an amount sent with it is refused, not
 * ignored); an open link's amount as the visitor typed it: whole sats up to `maxMsat`, or an
 * amount in the link's currency with no more decimals than it has, within the link's limits.
 */
export function visitAmount(
  link: PaymentLink,
  query: VisitQuery,
  maxMsat: bigint,
): Result<VisitAsk, DomainError> {
  if (link.status !== "active") {
    return err(domainError("payment_link_disabled", "this payment link no longer takes payments"));
  }
  const fixed = link.amountMsat !== null || link.price !== null;
  const takes = fixed ? null : link.openPrice ? "amount" : "amount_sat";
  for (const [param, value] of [
    ["amount_sat", query.amountSat],
    ["amount", query.amount],
  ] as const) {
    if (value === undefined || param === takes) continue;
    const message = fixed
      ? "this link has a fixed amount"
      : `this link takes its amount in ${link.openPrice?.currency ?? "sats"} (${takes})`;
    return refused("invalid_parameter", message, param);
  }
  if (link.amountMsat !== null) return ok({ kind: "msat", amountMsat: link.amountMsat });
  if (link.price) return ok({ kind: "price", price: link.price });
  if (link.openPrice) return openPriceAmount(link.openPrice, query.amount);
  return openSatAmount(query.amountSat, maxMsat);
}

function openSatAmount(amountSat: string | undefined, maxMsat: bigint): Result<VisitAsk, DomainError> {
  if (amountSat === undefined) return refused("missing_parameter", "choose an amount in sats", "amount_sat");
  if (!/^[1-9][0-9]{0,12}$/.test(amountSat)) {
    return refused("invalid_parameter", "the amount is a whole number of sats", "amount_sat");
  }
  const amountMsat = BigInt(amountSat) * 1000n;
  if (amountMsat > maxMsat) {
    return refused("amount_out_of_range", `the amount is at most ${maxMsat / 1000n} sats`, "amount_sat");
  }
  return ok({ kind: "msat", amountMsat });
}

function openPriceAmount(open: OpenPrice, amount: string | undefined): Result<VisitAsk, DomainError> {
  const exponent = minorUnitExponent(open.currency) ?? 0;
  const show = (minor: bigint) => `${open.currency} ${formatMinor(minor, exponent)}`;
  if (amount === undefined)
    return refused("missing_parameter", `choose an amount in ${open.currency}`, "amount");
  const minor = parseMajorExact(amount, exponent);
  if (minor === null) {
    const unit = exponent === 0 ? "a whole number" : `a number with at most ${exponent} decimals`;
    return refused("invalid_parameter", `the amount is ${unit} of ${open.currency}`, "amount");
  }
  if (minor < open.minAmountMinor) {
    return refused("amount_out_of_range", `the amount is at least ${show(open.minAmountMinor)}`, "amount");
  }
  if (open.maxAmountMinor !== null && minor > open.maxAmountMinor) {
    return refused("amount_out_of_range", `the amount is at most ${show(open.maxAmountMinor)}`, "amount");
  }
  return ok({ kind: "price", price: { currency: open.currency, amountMinor: minor } });
}

/**
 * An open fiat amount once converted at the visit's rate: like an open sat amount, at most the
 * hub's largest channel (`maxMsat`). Fixed links are the merchant's own choice and are not capped.
 */
export function checkConverted(link: PaymentLink, amountMsat: bigint, maxMsat: bigint): DomainError | null {
  if (!link.openPrice || amountMsat <= maxMsat) return null;
  return domainError(
    "amount_out_of_range",
    `the amount is worth more than ${maxMsat / 1000n} sats at today's rate`,
    "amount",
  );
}

/** Whether an invoice asked exactly what this visit asks: the same fiat price, or the same msat. */
const sameAsk = (invoice: PreviousInvoice, ask: VisitAsk): boolean =>
  ask.kind === "price"
    ? invoice.price?.currency === ask.price.currency && invoice.price.amountMinor === ask.price.amountMinor
    : invoice.price === null && invoice.amountMsat === ask.amountMsat;

/**
 * Reuse or mint: a visitor asking again for the same amount (the same fiat price: its invoice keeps
 * the rate it locked) gets the invoice it was handed while that invoice is still open with enough
 * time left to pay; anything else mints a fresh one.
 */
export function decideVisit(
  previous: PreviousInvoice | null,
  ask: VisitAsk,
  nowSeconds: number,
): VisitDecision {
  if (
    previous?.open &&
    sameAsk(previous, ask) &&
    previous.expiresAt - nowSeconds >= LIMITS.paymentLinkReuseMinSecondsLeft
  ) {
    return { kind: "reuse", invoiceId: previous.id };
  }
  return { kind: "mint", ask };
}

/** The invoice metadata key naming the link an invoice was minted for. */
export const LINK_METADATA_KEY = "payment_link";

/** A visitor cookie value as the hub mints them: 16 random bytes, base64url. */
export const isVisitorId = (value: string | undefined): value is string =>
  value !== undefined && /^[A-Za-z0-9_-]{22}$/.test(value);
