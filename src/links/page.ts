/**
 * The payment link page /l/{id}: what is being paid and a button. Looking at it creates nothing;
 * only the button (a POST to the page itself) asks for an invoice, then the browser goes to that
 * invoice's hosted checkout page (the widget). Same CSP as the hosted page, except that its form
 * may post to this origin.
 */
import { escapeHtml, htmlDocument } from "../checkout/page";
import type { PaymentLink } from "./link";

const sats = (msat: bigint) => (msat / 1000n).toLocaleString("en-US");

/** The page for an active link; `chosenSat` is an open link's amount once the visitor typed one. */
export function linkPage(input: {
  link: PaymentLink;
  merchantName: string;
  chosenSat: bigint | null;
  maxSat: bigint;
  error: string | null;
}): string {
  const { link } = input;
  const action = `/l/${encodeURIComponent(link.id)}`;
  const amountMsat = link.amountMsat ?? (input.chosenSat === null ? null : input.chosenSat * 1000n);
  const payForm = (query: string, msat: bigint) =>
    `<form method="post" action="${escapeHtml(action + query)}"><button type="submit">Pay ${sats(msat)} sats</button></form>`;
  const body = [
    `<h1>${escapeHtml(input.merchantName)}</h1>`,
    link.description ? `<p>${escapeHtml(link.description)}</p>` : "",
    input.error ? `<p role="alert">${escapeHtml(input.error)}</p>` : "",
    amountMsat === null
      ? `<form method="get" action="${escapeHtml(action)}"><input name="amount_sat" type="number" inputmode="numeric" min="1" max="${input.maxSat}" step="1" required aria-label="Amount in sats" placeholder="Amount in sats"><button type="submit">Continue</button></form>`
      : payForm(link.amountMsat === null ? `?amount_sat=${input.chosenSat}` : "", amountMsat),
  ].join("\n");
  return htmlDocument(`Pay ${input.merchantName}`, body);
}

/** The page for a link that does not exist or no longer takes payments. */
export const linkGonePage = (message: string): string =>
  htmlDocument("Payment link", `<p>${escapeHtml(message)}</p>`);
