/**
 * Fiat conversions: every rounding between msat and a currency's minor units, each a named function
 * whose name says which way it rounds. A BTC price is the price of one bitcoin (10^11 msat) in minor
 * units. All bigint: no float ever touches an amount.
 */

/** msat in one bitcoin. */
export const MSAT_PER_BTC = 100_000_000_000n;

/** The ppm denominator. */
const MILLION = 1_000_000n;

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/**
 * msat to ask for a fiat price, rounding up: the merchant never gets less than the price.
 * ceil(amountMinor × 10^11 / btcPriceMinor).
 */
export function priceToMsatCeil(amountMinor: bigint, btcPriceMinor: bigint): bigint {
  if (amountMinor < 0n || btcPriceMinor <= 0n) throw new RangeError("price and BTC price must be positive");
  return ceilDiv(amountMinor * MSAT_PER_BTC, btcPriceMinor);
}

/**
 * msat a fiat refund gives back, rounding down: the merchant never refunds more than the fiat
 * amount, and partial refunds at one rate can never add up past the payment they came from.
 */
export function refundToMsatFloor(amountMinor: bigint, btcPriceMinor: bigint): bigint {
  if (amountMinor < 0n || btcPriceMinor <= 0n) throw new RangeError("amount and BTC price must be positive");
  return (amountMinor * MSAT_PER_BTC) / btcPriceMinor;
}

/**
 * The fiat value of an msat amount, rounded to the nearest minor unit (halves up): an annotation
 * (payments of sat-priced invoices, fees, balances), never a ledger amount.
 */
export function msatToMinorNearest(amountMsat: bigint, btcPriceMinor: bigint): bigint {
  if (amountMsat < 0n || btcPriceMinor <= 0n) throw new RangeError("amount and BTC price must be positive");
  return (amountMsat * btcPriceMinor * 2n + MSAT_PER_BTC) / (MSAT_PER_BTC * 2n);
}

/**
 * The BTC price after the merchant's spread, rounding down: a lower price asks more msat for the
 * same fiat amount, so the spread (and its rounding) is always in the merchant's favour.
 */
export function spreadPriceFloor(btcPriceMinor: bigint, spreadPpm: bigint): bigint {
  if (spreadPpm < 0n || spreadPpm >= MILLION) throw new RangeError("spread must be in [0, 1,000,000) ppm");
  return (btcPriceMinor * (MILLION - spreadPpm)) / MILLION;
}

/** The median of positive prices; an even count takes the mean of the middle two, rounding down. */
export function medianFloor(prices: readonly bigint[]): bigint {
  if (prices.length === 0) throw new RangeError("median of nothing");
  const sorted = [...prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2n;
}

/** How far `price` is from `reference`, in ppm of the reference, rounding up (an outlier test). */
export function deviationPpmCeil(price: bigint, reference: bigint): bigint {
  const diff = price > reference ? price - reference : reference - price;
  return ceilDiv(diff * MILLION, reference);
}
