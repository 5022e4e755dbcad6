/** Payment link schemas: the merchant API and the documented page responses. */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../core/limits";
import { pageQuery } from "../http/schemas";
import { isSafeSuccessUrl } from "../invoices/schemas";
import { LINK_STATUSES } from "./link";

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

export const CreateLinkBody = z
  .strictObject({
    amount_msat: z
      .number()
      .int()
      .min(1)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .openapi({ description: "Fixed amount in msat; leave it out for an open amount the payer chooses" }),
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
  .openapi("CreatePaymentLinkRequest");

export const PaymentLinkSchema = z
  .object({
    id: z.string().openapi({ example: "pl_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
    object: z.literal("payment_link"),
    status: z.enum(LINK_STATUSES),
    amount_msat: z.number().int().nullable().openapi({ description: "null: the payer chooses" }),
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
    .openapi({ description: "Open links: the amount the payer chose" }),
});
