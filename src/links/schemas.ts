/** Payment link schemas: the merchant API and the documented page responses. */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../core/limits";
import { pageQuery, withCode } from "../http/schemas";
import { isSafeSuccessUrl } from "../invoices/schemas";
import { AmountMinor, CurrencyCode, PriceSchema } from "../rates/schemas";
import { LINK_STATUSES } from "./link";

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

export const CreateLinkBody = z
  .strictObject({
    amount_msat: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({
      description:
        "Fixed amount in msat. Give at most one of amount_msat, price and open_price; none: an open amount in sats",
    }),
    price: z
      .strictObject({ currency: CurrencyCode, amount_minor: AmountMinor })
      .optional()
      .openapi({
        description:
          "Fixed fiat price: each visit's invoice converts it at that moment's rate less your spread (rounding up) and locks the rate",
        example: { currency: "EUR", amount_minor: 450 },
      }),
    open_price: z
      .strictObject({
        currency: CurrencyCode,
        min_amount_minor: AmountMinor.optional().openapi({
          description: "The least the payer may type, in minor units (default 1)",
        }),
        max_amount_minor: AmountMinor.optional().openapi({
          description:
            "The most, in minor units (default: up to the hub's largest channel at the visit's rate)",
        }),
      })
      .optional()
      .openapi({
        description: "An open amount the payer types in this currency, within the limits",
        example: { currency: "EUR", min_amount_minor: 100, max_amount_minor: 5_000 },
      }),
    description: z
      .string()
      .min(1)
      .refine((s) => utf8Bytes(s) <= LIMITS.maxDescriptionBytes, {
        message: `description is limited to ${LIMITS.maxDescriptionBytes} UTF-8 bytes (BOLT #11)`,
      })
      .optional()
      .openapi({ description: "Shown on the page and put in each invoice", example: "Donation" }),
    success_url: z
      .string()
      .max(LIMITS.maxUrlChars)
      .refine(isSafeSuccessUrl, { message: "success_url must be an https URL (http only to localhost)" })
      .optional()
      .openapi({ description: "Where the checkout sends the payer once paid" }),
  })
  .superRefine((body, ctx) => {
    const given = (["amount_msat", "price", "open_price"] as const).filter((k) => body[k] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({
        code: "custom",
        path: [given[1]!],
        message: "give at most one of amount_msat, price and open_price",
        ...withCode("amount_conflict"),
      });
    }
  })
  .openapi("CreatePaymentLinkRequest");

const OpenPriceSchema = z
  .object({
    currency: z.string(),
    min_amount_minor: z.number().int(),
    max_amount_minor: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "null: no limit of the link's own" }),
  })
  .openapi("OpenPrice", { description: "An open amount in a fiat currency and its limits (minor units)" });

export const PaymentLinkSchema = z
  .object({
    id: z.string().openapi({ example: "pl_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
    object: z.literal("payment_link"),
    status: z.enum(LINK_STATUSES),
    amount_msat: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Fixed amount in msat; null: priced in fiat, or the payer chooses" }),
    price: PriceSchema.nullable().openapi({ description: "Fixed fiat price, converted at each visit" }),
    open_price: OpenPriceSchema.nullable().openapi({
      description: "An open amount in fiat; null with amount_msat and price null: an open amount in sats",
    }),
    description: z.string().nullable(),
    success_url: z.string().nullable(),
    url: z.string().openapi({ description: "The page to share: /l/{id}" }),
    created_at: z.number().int(),
    disabled_at: z.number().int().nullable(),
  })
  .openapi("PaymentLink");

export const ListLinksQuery = z.strictObject({ ...pageQuery("paymentLink") });

export const LinkIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "pl_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
});

export const LinkPageQuery = z.object({
  amount_sat: z
    .string()
    .max(16)
    .optional()
    .openapi({ description: "Open links in sats: the amount the payer chose, whole sats" }),
  amount: z.string().max(24).optional().openapi({
    description: "Open links in fiat: the amount the payer chose in major units, e.g. 4.50",
    example: "4.50",
  }),
});
