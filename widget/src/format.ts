/** Pure formatting for the checkout widget: amounts, countdowns, the QR payload. No DOM. */

const MSAT_PER_SAT = 1000;

/** "1,234" sats for an msat amount; a sub-sat remainder shows as up to three decimals ("0.5"). */
export function formatSats(amountMsat: number, locale?: string): string {
  const whole = Math.floor(amountMsat / MSAT_PER_SAT);
  const rest = amountMsat % MSAT_PER_SAT;
  const grouped = new Intl.NumberFormat(locale ?? "en-US", { maximumFractionDigits: 0 }).format(whole);
  if (rest === 0) return grouped;
  return `${grouped}.${String(rest).padStart(3, "0").replace(/0+$/, "")}`;
}

/**
 * "€3.50" / "¥1,500" / "BHD 1.250" for an integer in a currency's minor units, with exactly the
 * ISO 4217 exponent the hub gave (Intl's own digit tables differ for a few currencies).
 */
export function formatFiat(amountMinor: number, exponent: number, currency: string, locale?: string): string {
  return new Intl.NumberFormat(locale ?? "en-US", {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(amountMinor / 10 ** exponent);
}

/** "4:05" or "1:02:03" for a number of seconds (negative counts as zero). */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/**
 * What the QR code holds: the `lightning:` URI upper-cased. BOLT11 is bech32 (case-insensitive) and
 * upper case fits QR's alphanumeric mode, a code several versions smaller than lower case needs.
 */
export const qrPayload = (bolt11: string): string => `lightning:${bolt11}`.toUpperCase();

/** Only http(s) URLs may be navigated to (never `javascript:` and the like). */
export function safeHttpUrl(value: string | null | undefined, base: string): string | null {
  if (!value) return null;
  try {
    const url = new URL(value, base);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
