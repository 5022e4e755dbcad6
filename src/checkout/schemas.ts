/** Checkout schemas: the public view (JSON) and the documented HTML / JavaScript responses. */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../core/limits";
import { INVOICE_STATUSES } from "../invoices/invoice";

export const CheckoutSchema = z
  .object({
    id: z.string().openapi({ example: "inv_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
    object: z.literal("checkout"),
    status: z.enum(INVOICE_STATUSES),
    merchant_name: z.string(),
    description: z.string().nullable(),
    amount_msat: z.number().int(),
    bolt11: z.string(),
    payment_hash: z.string().openapi({ description: "Lets a wallet's preimage be checked in the browser" }),
    created_at: z.number().int(),
    expires_at: z.number().int(),
    paid_at: z.number().int().nullable(),
    success_url: z.string().nullable().openapi({ description: "The shop's success page; null until paid" }),
    metadata: z
      .record(z.string(), z.string())
      .openapi({ description: "Only the keys the merchant listed in public_metadata_keys" }),
    fiat: z
      .object({
        currency: z.string(),
        amount_minor: z.number().int(),
        exponent: z
          .number()
          .int()
          .openapi({ description: "ISO 4217 minor-unit exponent: amount = amount_minor / 10^exponent" }),
        basis: z.enum(["price", "rate"]).openapi({
          description:
            "'price': the merchant priced it in this currency; 'rate': amount_msat at the invoice's locked rate (approximate)",
        }),
      })
      .nullable()
      .openapi({ description: "The invoice's fiat amount to show beside the sats; null when it has none" }),
    server_time: z
      .number()
      .int()
      .openapi({ description: "The hub's clock, so countdowns survive device skew" }),
  })
  .openapi("Checkout");

export const LookupBody = z
  .strictObject({ invoice: z.string().min(1).max(LIMITS.maxBolt11Chars).openapi({ example: "lnbcrt1…" }) })
  .openapi("CheckoutLookupRequest");

export const InvoiceIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "inv_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
});

export const WidgetQuery = z.object({
  v: z.string().max(64).optional().openapi({
    description: "The widget version (see the hosted page): with the current one, cached for a year",
  }),
});

/** A documented non-JSON response. */
export const textResponse = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
});
