/** Pure parts of the wallet page: amounts, payment links, what a scanned or pasted text holds. No DOM. */

const SAT_PER_BTC = 100_000_000;

/** "0.0005" BTC for 50,000 sat: exact decimal digits, no float arithmetic, no trailing zeros. */
export function satToBtc(amountSat: number): string {
  if (!Number.isSafeInteger(amountSat) || amountSat < 0)
    throw new RangeError(`not a sat amount: ${amountSat}`);
  const whole = Math.floor(amountSat / SAT_PER_BTC);
  const rest = String(amountSat % SAT_PER_BTC)
    .padStart(8, "0")
    .replace(/0+$/, "");
  return rest ? `${whole}.${rest}` : String(whole);
}

/** BIP 21: `bitcoin:<address>?amount=<btc>`. */
export const bip21 = (address: string, amountSat: number): string =>
  `bitcoin:${address}?amount=${satToBtc(amountSat)}`;

/**
 * The BOLT11 string in what a person pasted or a camera read: bare, `lightning:` (any case, as QR
 * codes carry it upper-cased), or a BIP 21 URI's `lightning=` parameter. Null when there is none.
 */
export function invoiceFromText(text: string): string | null {
  let value = text.trim();
  const bip21Param = /^bitcoin:[^?]*\?(.*)$/i.exec(value)?.[1];
  if (bip21Param !== undefined) value = new URLSearchParams(bip21Param).get("lightning") ?? "";
  value = value.replace(/^lightning:/i, "");
  if (!/^ln[a-z0-9]+$/i.test(value)) return null;
  return value.toLowerCase();
}

/** A whole number of sats typed by a person ("50,000", " 50000 "), or null. */
export function parseSats(text: string): number | null {
  const digits = text.replace(/[\s,_]/g, "");
  if (!/^\d{1,16}$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** The invoice a link into the wallet carries: `#pay=<bolt11>` or `?invoice=inv_…`. */
export function linkedInvoice(
  search: string,
  hash: string,
): { bolt11: string } | { invoiceId: string } | null {
  const pay = /^#pay=(.+)$/.exec(hash)?.[1];
  if (pay) {
    const bolt11 = invoiceFromText(decodeURIComponent(pay));
    return bolt11 ? { bolt11 } : null;
  }
  const id = new URLSearchParams(search).get("invoice");
  return id && /^inv_[0-9a-z]{1,60}$/i.test(id) ? { invoiceId: id } : null;
}
