/** Fiat schemas shared by invoices, payments, refunds and the balance (validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { isCurrency } from "../core/currency";
import { withCode } from "../http/schemas";

/** An ISO 4217 code as a request gives it: three upper-case letters of a currency one can price in. */
export const CurrencyCode = z
  .string()
  .superRefine((value, ctx) => {
    if (!isCurrency(value)) {
      ctx.addIssue({
        code: "custom",
        message: "must be an ISO 4217 currency code in upper case, e.g. EUR",
        ...withCode("invalid_currency"),
      });
    }
  })
  .openapi({ description: "ISO 4217 currency code", example: "EUR" });

/** A positive integer in a currency's minor units, within the exact JSON range. */
export const AmountMinor = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({
  description: "Integer in the currency's minor units (ISO 4217 exponent: EUR cents, JPY yen, BHD fils)",
  example: 350,
});

export const PriceSchema = z
  .object({ currency: z.string(), amount_minor: z.number().int() })
  .openapi("Price", { description: "A fiat price: an integer in the currency's minor units" });

export const RateSchema = z
  .object({
    currency: z.string(),
    btc_price_minor: z.number().int().openapi({
      description:
        "Price of one bitcoin in minor units that the conversion used: the sources' median less the spread",
    }),
    spread_ppm: z.number().int().openapi({ description: "The merchant's spread taken off the median (ppm)" }),
    source: z.string().openapi({
      description: "The sources whose median it is, '+'-joined",
      example: "bitstamp+coinbase+kraken",
    }),
    fetched_at: z
      .number()
      .int()
      .openapi({ description: "When the oldest quote used was current (Unix seconds)" }),
  })
  .openapi("Rate", { description: "The exchange rate locked on an invoice for its lifetime" });

export const FiatValueSchema = z
  .object({
    currency: z.string(),
    amount_minor: z.number().int(),
    btc_price_minor: z.number().int().openapi({ description: "The BTC price (minor units) the value is at" }),
  })
  .openapi("FiatValue", { description: "A fiat value at the time: an annotation, never a ledger amount" });
