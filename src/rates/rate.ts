/** Exchange rates: what sources quote, the rate the hub decides, and fiat amounts in minor units. */

/** The rate sources the hub knows (configuration names). */
export const RATE_SOURCE_NAMES = ["kraken", "coinbase", "bitstamp", "fixed"] as const;
export type RateSourceName = (typeof RATE_SOURCE_NAMES)[number];

/** One source's price of one bitcoin in a currency's minor units, and when it was current. */
export interface Quote {
  readonly source: string;
  readonly currency: string;
  readonly btcPriceMinor: bigint;
  readonly fetchedAt: number;
}

/** The rate decided from fresh quotes: their median (outliers dropped), its sources, the oldest time. */
export interface Rate {
  readonly currency: string;
  readonly btcPriceMinor: bigint;
  readonly source: string;
  readonly fetchedAt: number;
}

/** A rate locked on an invoice: `btcPriceMinor` is the one the conversion used (spread applied). */
export interface LockedRate extends Rate {
  readonly spreadPpm: number;
}

/** A price a merchant asks: an integer in the currency's minor units. */
export interface FiatPrice {
  readonly currency: string;
  readonly amountMinor: bigint;
}

/** A fiat value and the BTC price it was computed at. An annotation, never a ledger amount. */
export interface FiatValue {
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly btcPriceMinor: bigint;
}

/** A merchant's fiat settings: the display currency (or none) and the spread in ppm. */
export interface MerchantFiat {
  readonly displayCurrency: string | null;
  readonly spreadPpm: number;
}

/** The merchant fiat settings of a merchant that set none. */
export const NO_MERCHANT_FIAT: MerchantFiat = { displayCurrency: null, spreadPpm: 0 };

/** A merchant's fiat settings as stored on it (none for a merchant that is gone). */
export const merchantFiatOf = (
  merchant: { readonly displayCurrency: string | null; readonly rateSpreadPpm: number } | null,
): MerchantFiat =>
  merchant
    ? { displayCurrency: merchant.displayCurrency, spreadPpm: merchant.rateSpreadPpm }
    : NO_MERCHANT_FIAT;
