/** Payment, balance and refund schemas (validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { MAX_CHANNEL_SEQ } from "../chain/channel";
import { LIMITS } from "../core/limits";
import { pageQuery, withCode } from "../http/schemas";
import { AmountMinor, FiatValueSchema } from "../rates/schemas";

export const PayBody = z
  .strictObject({
    invoice: z
      .string()
      .min(1)
      .max(LIMITS.maxBolt11Chars)
      .openapi({ description: "The BOLT11 string to pay" }),
    channel_id: z.string().min(1).max(64),
    seq: z.number().int().min(1).max(MAX_CHANNEL_SEQ).openapi({
      description: "Previous seq + 1; the closing template's input nSequence is 0x80000000 + seq",
    }),
    payer_balance_msat: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .openapi({ description: "Previous balance − invoice amount" }),
    sighash_type: z
      .number()
      .int()
      .openapi({ description: "131 (SINGLE|ANYONECANPAY), or 130 (NONE|ANYONECANPAY) below dust" }),
    signature: z
      .string()
      .regex(/^([0-9a-f]{2}){8,73}$/, "signature must be hex DER")
      .openapi({ description: "Payer's low-S DER BIP 143 signature of the closing template for this state" }),
  })
  .openapi("PayRequest");

const Receipt = z.object({
  payment_id: z.string(),
  invoice_id: z.string(),
  payment_hash: z.string(),
  amount_msat: z.number().int(),
  channel_id: z.string(),
  seq: z.number().int(),
  payer_balance_msat: z.number().int(),
  created_at: z.number().int(),
  signature: z.string().openapi({
    description:
      "Node key's low-S DER signature of sha256(\"sluice/receipt/v1:\" + the fields above, ':'-joined in this order)",
  }),
});

export const PaymentResultSchema = z
  .object({
    id: z.string(),
    object: z.literal("payment"),
    status: z.literal("succeeded"),
    invoice_id: z.string(),
    amount_msat: z.number().int(),
    preimage: z.string(),
    channel: z.object({ id: z.string(), seq: z.number().int(), payer_balance_msat: z.number().int() }),
    receipt: Receipt,
  })
  .openapi("PaymentResult");

export const PaymentSchema = z
  .object({
    id: z.string(),
    object: z.literal("payment"),
    status: z.literal("succeeded"),
    invoice_id: z.string(),
    channel_id: z.string(),
    amount_msat: z.number().int(),
    fee_msat: z.number().int(),
    net_msat: z.number().int(),
    refunded_msat: z.number().int(),
    created_at: z.number().int(),
    fiat_value: FiatValueSchema.nullable().openapi({
      description:
        "Its fiat value when paid: a fiat-priced invoice's price, or the amount at the invoice's locked rate; null when the invoice had no rate",
    }),
  })
  .openapi("Payment");

export const BalanceSchema = z
  .object({
    object: z.literal("balance"),
    available_msat: z
      .number()
      .int()
      .openapi({ description: "What the hub owes you now (paid out by settlement)" }),
    gross_msat: z.number().int(),
    fees_msat: z.number().int(),
    refunded_msat: z.number().int(),
    payment_count: z.number().int(),
    fee_policy: z.object({ base_msat: z.number().int(), ppm: z.number().int() }),
    available_fiat: FiatValueSchema.nullable().openapi({
      description:
        "available_msat at today's rate in your display currency; null without one or without a fresh rate",
    }),
    fiat_totals: z
      .array(
        z.object({
          currency: z.string(),
          gross_minor: z
            .number()
            .int()
            .openapi({ description: "Sum of your payments' fiat values when paid" }),
          refunded_minor: z.number().int().openapi({ description: "Sum of your refunds' fiat values" }),
          payment_count: z.number().int(),
        }),
      )
      .openapi({ description: "Per currency, over payments that have a fiat value" }),
  })
  .openapi("Balance");

export const RefundBody = z
  .strictObject({
    payment_id: z.string().min(1).max(64),
    amount_msat: z
      .number()
      .int()
      .min(1)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .openapi({ description: "Default: all that is left. Give this or `fiat`, not both." }),
    fiat: z
      .strictObject({
        amount_minor: AmountMinor,
        rate: z.enum(["original", "current"]).openapi({
          description: "'original': the payment's own rate; 'current': today's (needs a fresh rate)",
        }),
      })
      .optional()
      .openapi({
        description:
          "Refund an amount in the payment's fiat currency instead, converted at its original rate or today's, rounding down",
        example: { amount_minor: 150, rate: "original" },
      }),
    reason: z.string().min(1).max(500).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.amount_msat !== undefined && body.fiat !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["fiat"],
        message: "give amount_msat or fiat, not both",
        ...withCode("amount_conflict"),
      });
    }
  })
  .openapi("CreateRefundRequest");

export const RefundSchema = z
  .object({
    id: z.string(),
    object: z.literal("refund"),
    payment_id: z.string(),
    amount_msat: z.number().int(),
    reason: z.string().nullable(),
    created_at: z.number().int(),
    fiat_value: FiatValueSchema.nullable().openapi({
      description:
        "The refund in the payment's fiat currency and the BTC price it was converted at; null when none",
    }),
    fiat_rate_basis: z.enum(["original", "current"]).nullable().openapi({
      description: "Whether that was the payment's own rate or the rate of the day of the refund",
    }),
  })
  .openapi("Refund");

export const PayerRefundSchema = z
  .object({
    id: z.string(),
    object: z.literal("refund"),
    payment_id: z.string(),
    invoice_id: z.string(),
    merchant_name: z.string(),
    amount_msat: z.number().int(),
    fiat_value: z
      .object({
        currency: z.string(),
        amount_minor: z.number().int(),
        btc_price_minor: z.number().int(),
        exponent: z
          .number()
          .int()
          .openapi({ description: "ISO 4217 minor-unit exponent: amount_minor / 10^exponent" }),
      })
      .nullable()
      .openapi({
        description:
          "The refund in the payment's fiat currency, at the BTC price it was converted at; null when none",
      }),
    status: z.enum(["owed", "paying", "paid"]).openapi({
      description:
        "owed: the hub owes it and pays it to the channel's refund script at a settlement (refunds of a channel are paid oldest first, in whole sats); paying: in a settlement transaction not yet final; paid: final on chain",
    }),
    payout_txid: z
      .string()
      .nullable()
      .openapi({ description: "The settlement transaction paying it; null while owed or not yet signed" }),
    created_at: z.number().int(),
  })
  .openapi("PayerRefund");

export const ListPaymentsQuery = z.strictObject({ ...pageQuery("payment") });
