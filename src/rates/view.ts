/** Fiat amounts and rates as the API, events and exports render them (integers in minor units). */
import { minorUnitExponent } from "../core/currency";
import type { FiatPrice, FiatValue, LockedRate } from "./rate";

/** Minor units as a JSON number (they are range-checked to 2^53 − 1 at every edge). */
export const minorToEdge = (n: bigint): number => {
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`fiat amount out of edge range: ${n}`);
  return Number(n);
};

/** `{currency, amount_minor}` of a price. */
export const renderPrice = (p: FiatPrice | null) =>
  p ? { currency: p.currency, amount_minor: minorToEdge(p.amountMinor) } : null;

/** `{currency, btc_price_minor, spread_ppm, source, fetched_at}` of a locked rate. */
export const renderRate = (r: LockedRate | null) =>
  r
    ? {
        currency: r.currency,
        btc_price_minor: minorToEdge(r.btcPriceMinor),
        spread_ppm: r.spreadPpm,
        source: r.source,
        fetched_at: r.fetchedAt,
      }
    : null;

/** `{currency, amount_minor, btc_price_minor}` of a fiat value. */
export const renderFiatValue = (v: FiatValue | null) =>
  v
    ? {
        currency: v.currency,
        amount_minor: minorToEdge(v.amountMinor),
        btc_price_minor: minorToEdge(v.btcPriceMinor),
      }
    : null;

/** The exponent of a currency the hub stored (it was validated on the way in). */
export function exponentOf(currency: string): number {
  const exponent = minorUnitExponent(currency);
  if (exponent === null) throw new Error(`stored currency ${currency} is not ISO 4217`);
  return exponent;
}
