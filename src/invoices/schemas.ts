/** Invoice request/response schemas: validation at the edge and the OpenAPI description, one source. */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../core/limits";
import { pageQuery, withCode } from "../http/schemas";
import { AmountMinor, CurrencyCode, FiatValueSchema, PriceSchema, RateSchema } from "../rates/schemas";
import { INVOICE_STATUSES } from "./invoice";

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

/** Shoppers are sent to success_url by their browser: only https, or plain http to a loopback shop. */
export function isSafeSuccessUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

export const CreateInvoiceBody = z
  .strictObject({
    amount_msat: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({
      description: "Amount in millisatoshi (integer, 1 … 2^53−1). Give this or `price`, not both.",
      example: 150_000,
    }),
    price: z
      .strictObject({ currency: CurrencyCode, amount_minor: AmountMinor })
      .optional()
      .openapi({
        description:
          "A fiat price instead of amount_msat: converted at the hub's current rate less your spread, rounding up; the rate is locked on the invoice",
        example: { currency: "EUR", amount_minor: 350 },
      }),
    description: z
      .string()
      .refine((s) => utf8Bytes(s) <= LIMITS.maxDescriptionBytes, {
        message: `description is limited to ${LIMITS.maxDescriptionBytes} UTF-8 bytes (BOLT #11)`,
      })
      .optional()
      .openapi({ example: "1 cup coffee" }),
    description_hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "description_hash must be 32 bytes of lower-case hex")
      .optional()
      .openapi({ description: "SHA-256 of a long description, committed in the invoice instead of it" }),
    expiry_seconds: z
      .number()
      .int()
      .min(LIMITS.minExpirySeconds)
      .max(LIMITS.maxExpirySeconds)
      .optional()
      .openapi({ default: LIMITS.defaultExpirySeconds }),
    metadata: z
      .record(z.string().min(1).max(LIMITS.maxMetadataKeyChars), z.string().max(LIMITS.maxMetadataValueChars))
      .refine((m) => Object.keys(m).length <= LIMITS.maxMetadataKeys, {
        message: `metadata holds at most ${LIMITS.maxMetadataKeys} keys`,
      })
      .optional()
      .openapi({ description: "Your key–value pairs, returned as given", example: { sku: "espresso" } }),
    order_id: z.string().min(1).max(LIMITS.maxOrderIdChars).optional().openapi({ example: "order-1042" }),
    success_url: z
      .string()
      .max(LIMITS.maxUrlChars)
      .refine(isSafeSuccessUrl, { message: "success_url must be an https URL (http only to localhost)" })
      .optional()
      .openapi({
        description: "Where the checkout sends the shopper once paid; shown to the public only after payment",
        example: "https://shop.example/orders/1042/thanks",
      }),
    public_metadata_keys: z
      .array(z.string().min(1).max(LIMITS.maxMetadataKeyChars))
      .max(LIMITS.maxMetadataKeys)
      .optional()
      .openapi({
        description: "Metadata keys the public checkout view may show the shopper; all others stay private",
        example: ["sku"],
      }),
  })
  .superRefine((body, ctx) => {
    if (body.amount_msat !== undefined && body.price !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["price"],
        message: "give amount_msat or price, not both",
        ...withCode("amount_conflict"),
      });
    }
    if (body.amount_msat === undefined && body.price === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["amount_msat"],
        message: "missing required parameter 'amount_msat' (or 'price')",
        ...withCode("missing_parameter"),
      });
    }
    if (body.description !== undefined && body.description_hash !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["description_hash"],
        message: "give description or description_hash, not both",
        ...withCode("description_conflict"),
      });
    }
    const missing = (body.public_metadata_keys ?? []).filter((k) => !(k in (body.metadata ?? {})));
    if (missing.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["public_metadata_keys"],
        message: `public_metadata_keys names keys that metadata lacks: ${missing.join(", ")}`,
      });
    }
  })
  .openapi("CreateInvoiceRequest");

export const InvoiceSchema = z
  .object({
    id: z.string().openapi({ example: "inv_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
    object: z.literal("invoice"),
    status: z.enum(INVOICE_STATUSES),
    amount_msat: z.number().int(),
    description: z.string().nullable(),
    description_hash: z.string().nullable(),
    payment_hash: z.string(),
    bolt11: z.string(),
    expiry_seconds: z.number().int(),
    created_at: z.number().int(),
    expires_at: z.number().int(),
    paid_at: z.number().int().nullable(),
    canceled_at: z.number().int().nullable(),
    expired_at: z.number().int().nullable(),
    preimage: z.string().nullable().openapi({ description: "Revealed only once the invoice is paid" }),
    metadata: z.record(z.string(), z.string()),
    order_id: z.string().nullable(),
    payment_id: z.string().nullable().openapi({ description: "The payment that paid it" }),
    checkout_url: z.string().nullable().openapi({
      description: "The hosted checkout page for this invoice: send or redirect the shopper here",
    }),
    success_url: z.string().nullable(),
    public_metadata_keys: z.array(z.string()),
    price: PriceSchema.nullable().openapi({
      description: "The fiat price asked; null for an msat-priced invoice",
    }),
    rate: RateSchema.nullable().openapi({
      description: "The rate locked on the invoice: its price's, or your display currency's; null when none",
    }),
    fiat_value: FiatValueSchema.nullable().openapi({
      description:
        "The price, or amount_msat at the locked rate (rounded to the nearest minor unit); null when no rate",
    }),
  })
  .openapi("Invoice");

export const ListInvoicesQuery = z.strictObject({
  status: z.enum(INVOICE_STATUSES).optional(),
  ...pageQuery("invoice"),
});
