/** Pure rate decisions: which quotes are fresh, their median, outliers, and pricing an amount. */
import { domainError, type DomainError } from "../core/errors";
import {
  deviationPpmCeil,
  medianFloor,
  msatToMinorNearest,
  priceToMsatCeil,
  refundToMsatFloor,
  spreadPriceFloor,
} from "../core/fiat";
import { LIMITS } from "../core/limits";
import { MAX_EDGE_MSAT } from "../core/money";
import { err, ok, type Result } from "../core/result";
import type { FiatPrice, FiatValue, LockedRate, MerchantFiat, Quote, Rate } from "./rate";

/**
 * The rate for `currency` at `nowSeconds`: the median of the quotes at most `maxAgeSeconds` old,
 * after dropping those further than LIMITS.rateMaxDeviationPpm from the median of all of them.
 * Two sources that disagree past that bound leave no rate at all: the hub cannot tell which is right.
 */
export function decideRate(
  quotes: readonly Quote[],
  currency: string,
  nowSeconds: number,
  maxAgeSeconds: number,
): Result<Rate, DomainError> {
  const fresh = quotes.filter((q) => q.currency === currency && nowSeconds - q.fetchedAt <= maxAgeSeconds);
  if (fresh.length === 0) {
    return err(
      domainError(
        "rate_unavailable",
        `no exchange rate source quoted ${currency} in the last ${maxAgeSeconds} s; retry later or price in msat`,
      ),
    );
  }
  const center = medianFloor(fresh.map((q) => q.btcPriceMinor));
  const kept = fresh.filter(
    (q) => deviationPpmCeil(q.btcPriceMinor, center) <= BigInt(LIMITS.rateMaxDeviationPpm),
  );
  if (kept.length === 0) {
    return err(
      domainError(
        "rate_unavailable",
        `the exchange rate sources disagree on ${currency} by more than ${LIMITS.rateMaxDeviationPpm / 10_000}%; retry later or price in msat`,
      ),
    );
  }
  return ok({
    currency,
    btcPriceMinor: medianFloor(kept.map((q) => q.btcPriceMinor)),
    source: [...new Set(kept.map((q) => q.source))].sort().join("+"),
    fetchedAt: Math.min(...kept.map((q) => q.fetchedAt)),
  });
}

/** The rate an invoice locks: the decided rate less the merchant's spread. */
export const lockRate = (rate: Rate, spreadPpm: number): LockedRate => ({
  ...rate,
  btcPriceMinor: spreadPriceFloor(rate.btcPriceMinor, BigInt(spreadPpm)),
  spreadPpm,
});

/** What an invoice asks and what it locks, once its amount is known. */
export interface PricedAmount {
  readonly amountMsat: bigint;
  readonly price: FiatPrice | null;
  readonly rate: LockedRate | null;
}

/**
 * Prices a fiat amount: the msat to ask, rounded up (the merchant never gets less than the
 * price), at the rate less the merchant's spread. Past the msat edge range it is refused.
 */
export function priceInFiat(
  price: FiatPrice,
  rate: Rate,
  merchant: MerchantFiat,
): Result<PricedAmount, DomainError> {
  const locked = lockRate(rate, merchant.spreadPpm);
  if (locked.btcPriceMinor <= 0n) {
    return err(domainError("rate_unavailable", `the ${price.currency} rate is too small to price in`));
  }
  const amountMsat = priceToMsatCeil(price.amountMinor, locked.btcPriceMinor);
  if (amountMsat > MAX_EDGE_MSAT) {
    return err(
      domainError(
        "amount_out_of_range",
        `${price.currency} ${price.amountMinor} (minor units) is more than ${MAX_EDGE_MSAT} msat at today's rate`,
        "price.amount_minor",
      ),
    );
  }
  return ok({ amountMsat, price, rate: locked });
}

/**
 * The fiat value of an invoice once paid: the price of a fiat-priced invoice, the amount at the
 * locked rate for a sat-priced one with a display rate, or null. Read from the invoice alone, so
 * the payment hot path needs no rate.
 */
export function invoiceFiatValue(invoice: {
  amountMsat: bigint;
  price: FiatPrice | null;
  rate: LockedRate | null;
}): FiatValue | null {
  if (!invoice.rate) return null;
  const btcPriceMinor = invoice.rate.btcPriceMinor;
  if (invoice.price)
    return { currency: invoice.price.currency, amountMinor: invoice.price.amountMinor, btcPriceMinor };
  return {
    currency: invoice.rate.currency,
    amountMinor: msatToMinorNearest(invoice.amountMsat, btcPriceMinor),
    btcPriceMinor,
  };
}

/** The fiat value of an msat amount at a known BTC price (fees, refunds in msat, balances). */
export const valueAt = (amountMsat: bigint, at: { currency: string; btcPriceMinor: bigint }): FiatValue => ({
  currency: at.currency,
  amountMinor: msatToMinorNearest(amountMsat, at.btcPriceMinor),
  btcPriceMinor: at.btcPriceMinor,
});

/** Which rate a fiat refund converts at: the payment's own, or today's. */
export type RefundRateBasis = "original" | "current";

/** A refund's msat amount and its fiat value. */
export interface RefundAmount {
  readonly amountMsat: bigint;
  readonly fiat: FiatValue | null;
  readonly basis: RefundRateBasis | null;
}

/**
 * A refund given in fiat: `amountMinor` of the payment's currency converted at the payment's rate
 * ("original") or today's (`current`, given by the caller), rounding down. Whether the payment has
 * that much left is the refund's own check, in msat.
 */
export function refundInFiat(
  payment: { fiat: FiatValue | null },
  amountMinor: bigint,
  basis: RefundRateBasis,
  current: Rate | null,
): Result<RefundAmount, DomainError> {
  if (!payment.fiat) {
    return err(
      domainError(
        "payment_has_no_fiat_value",
        "this payment has no fiat value (its invoice had no rate); refund it in amount_msat",
        "fiat",
      ),
    );
  }
  const btcPriceMinor = basis === "original" ? payment.fiat.btcPriceMinor : current?.btcPriceMinor;
  if (btcPriceMinor === undefined) throw new Error("a refund at today's rate needs today's rate");
  const amountMsat = refundToMsatFloor(amountMinor, btcPriceMinor);
  if (amountMsat === 0n) {
    return err(
      domainError("amount_out_of_range", "that fiat amount is worth less than 1 msat", "fiat.amount_minor"),
    );
  }
  return ok({ amountMsat, fiat: { currency: payment.fiat.currency, amountMinor, btcPriceMinor }, basis });
}

/** A refund given in msat: its fiat value at the payment's rate, when the payment has one. */
export const refundInMsat = (payment: { fiat: FiatValue | null }, amountMsat: bigint): RefundAmount => ({
  amountMsat,
  fiat: payment.fiat ? valueAt(amountMsat, payment.fiat) : null,
  basis: payment.fiat ? "original" : null,
});
