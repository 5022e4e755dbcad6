/**
 * The payment link page /l/{id}: what is being paid and a button. Looking at it creates nothing;
 * only the button (a POST to the page itself) asks for an invoice, then the browser goes to that
 * invoice's hosted checkout page (the widget). Same CSP as the hosted page, except that its form
 * may post to this origin. A fiat link shows its price and what it comes to in sats at today's
 * rate; the invoice the button mints locks the rate of that moment.
 */
import { escapeHtml, htmlDocument } from "../checkout/page";
import { formatMinor } from "../core/currency";
import type { FiatPrice } from "../rates/rate";
import { exponentOf } from "../rates/view";
import type { OpenPrice, PaymentLink, VisitAsk } from "./link";

const grouped = (n: bigint) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** "5,000 sats", "3,888.889 sats": exact to the msat. */
const satsText = (msat: bigint) => {
  const rest = msat % 1000n;
  return `${grouped(msat / 1000n)}${rest === 0n ? "" : `.${rest.toString().padStart(3, "0").replace(/0+$/, "")}`} sats`;
};

/** "EUR 4.50", "JPY 1500". */
export const moneyText = (price: FiatPrice) =>
  `${price.currency} ${formatMinor(price.amountMinor, exponentOf(price.currency))}`;

/** The query an ask is posted with: none for fixed links, the visitor's amount for open ones. */
function askQuery(link: PaymentLink, ask: VisitAsk): string {
  if (link.amountMsat !== null || link.price) return "";
  return ask.kind === "price"
    ? `?amount=${formatMinor(ask.price.amountMinor, exponentOf(ask.price.currency))}`
    : `?amount_sat=${ask.amountMsat / 1000n}`;
}

/** The open fiat amount's input, its limits as the browser checks them (the hub checks again). */
function openPriceForm(action: string, open: OpenPrice): string {
  const exponent = exponentOf(open.currency);
  const step = exponent === 0 ? "1" : `0.${"1".padStart(exponent, "0")}`;
  const max = open.maxAmountMinor === null ? "" : ` max="${formatMinor(open.maxAmountMinor, exponent)}"`;
  const range = `${moneyText({ currency: open.currency, amountMinor: open.minAmountMinor })}${
    open.maxAmountMinor === null
      ? " or more"
      : ` to ${moneyText({ currency: open.currency, amountMinor: open.maxAmountMinor })}`
  }`;
  return `<p>Any amount from ${escapeHtml(range)}.</p><form method="get" action="${escapeHtml(action)}"><input name="amount" type="number" inputmode="decimal" min="${formatMinor(open.minAmountMinor, exponent)}"${max} step="${step}" required aria-label="Amount in ${open.currency}" placeholder="Amount in ${open.currency}"><button type="submit">Continue</button></form>`;
}

/**
 * The page for an active link. `chosen` is what a visit would pay (a fixed link's own amount, or
 * an open link's once the visitor typed one); `quoteMsat` what a fiat ask comes to now (null: no
 * fresh rate right now).
 */
export function linkPage(input: {
  link: PaymentLink;
  merchantName: string;
  chosen: VisitAsk | null;
  quoteMsat: bigint | null;
  maxSat: bigint;
  error: { code: string; message: string } | null;
}): string {
  const { link, chosen } = input;
  const action = `/l/${encodeURIComponent(link.id)}`;
  const payForm = (ask: VisitAsk) => {
    const label = ask.kind === "price" ? moneyText(ask.price) : satsText(ask.amountMsat);
    const quote =
      ask.kind !== "price"
        ? ""
        : input.quoteMsat === null
          ? "<p>No exchange rate right now: try again in a minute.</p>"
          : `<p>${escapeHtml(label)} is ${satsText(input.quoteMsat)} at today's rate, fixed for 10 minutes once you press Pay.</p>`;
    return `${quote}<form method="post" action="${escapeHtml(action + askQuery(link, ask))}"><button type="submit">Pay ${escapeHtml(label)}</button></form>`;
  };
  const chooser = link.openPrice
    ? openPriceForm(action, link.openPrice)
    : `<form method="get" action="${escapeHtml(action)}"><input name="amount_sat" type="number" inputmode="numeric" min="1" max="${input.maxSat}" step="1" required aria-label="Amount in sats" placeholder="Amount in sats"><button type="submit">Continue</button></form>`;
  const body = [
    `<h1>${escapeHtml(input.merchantName)}</h1>`,
    link.description ? `<p>${escapeHtml(link.description)}</p>` : "",
    input.error
      ? `<p role="alert" data-code="${escapeHtml(input.error.code)}">${escapeHtml(input.error.message)}</p>`
      : "",
    chosen === null ? chooser : payForm(chosen),
  ].join("\n");
  return htmlDocument(`Pay ${input.merchantName}`, body);
}

/** The page for a link that does not exist, no longer takes payments, or refused what was asked. */
export const linkGonePage = (error: { code: string; message: string }): string =>
  htmlDocument(
    "Payment link",
    `<p role="alert" data-code="${escapeHtml(error.code)}">${escapeHtml(error.message)}</p>`,
  );
