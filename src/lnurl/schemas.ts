/** Lightning Address schemas: the merchant API, and the LNURL-pay documents (LUD-06/09/12/16/21). */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../core/limits";
import { pageQuery, withCode } from "../http/schemas";
import { ADDRESS_STATUSES } from "./address";
import { checkAddressName } from "./rules";

const msat = (description: string) =>
  z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description });

export const CreateLightningAddressBody = z
  .strictObject({
    name: z
      .string()
      .superRefine((name, ctx) => {
        const checked = checkAddressName(name);
        if (!checked.ok) {
          ctx.addIssue({ code: "custom", message: checked.error.message, ...withCode(checked.error.code) });
        }
      })
      .openapi({
        description: `The part before the @: 1–${LIMITS.maxAddressNameChars} of a-z 0-9 - _ . (LUD-16), unique across the hub; never released`,
        example: "tips",
      }),
    description: z.string().trim().min(1).max(LIMITS.maxAddressDescriptionChars).optional().openapi({
      description: "What the payer's wallet shows (metadata text/plain); default: 'Pay <merchant name>'",
    }),
    min_sendable_msat: msat("Smallest payment accepted (LUD-06 minSendable); default 1,000 (1 sat)"),
    max_sendable_msat: msat(
      "Largest payment accepted (LUD-06 maxSendable); default: the hub's largest channel",
    ),
    comment_allowed: z
      .number()
      .int()
      .min(0)
      .max(LIMITS.maxLnurlCommentChars)
      .optional()
      .openapi({ description: "Characters of comment a payer may send (LUD-12); default 0 (none)" }),
    success_message: z.string().trim().min(1).max(LIMITS.maxSuccessMessageChars).optional().openapi({
      description: "Shown by the wallet once paid (LUD-09 message)",
      example: "Thanks for the tip!",
    }),
  })
  .openapi("CreateLightningAddressRequest");

export const LightningAddressSchema = z
  .object({
    id: z.string().openapi({ example: "lna_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
    object: z.literal("lightning_address"),
    name: z.string(),
    address: z.string().openapi({ example: "tips@pay.example.com" }),
    status: z.enum(ADDRESS_STATUSES),
    description: z.string(),
    min_sendable_msat: z.number().int(),
    max_sendable_msat: z.number().int(),
    comment_allowed: z.number().int(),
    success_message: z.string(),
    lnurlp_url: z
      .string()
      .openapi({ description: "The LUD-16 pay request URL wallets resolve the address to" }),
    created_at: z.number().int(),
    disabled_at: z.number().int().nullable(),
  })
  .openapi("LightningAddress");

export const ListLightningAddressesQuery = z.strictObject({ ...pageQuery("lightningAddress") });

const NameParam = z
  .string()
  .min(1)
  .max(LIMITS.maxAddressNameChars)
  .openapi({ param: { name: "name", in: "path" }, example: "tips" });

export const NameParams = z.object({ name: NameParam });

export const VerifyParams = z.object({
  name: NameParam,
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "inv_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
});

/** Documents the callback's query; the values are decided in rules.ts (decideCallback), not here. */
export const CallbackQuerySchema = z.object({
  amount: z.string().optional().openapi({ description: "Millisatoshis to pay (LUD-06)", example: "21000" }),
  comment: z.string().optional().openapi({ description: "The payer's comment (LUD-12)" }),
});

export const PayRequestSchema = z
  .object({
    tag: z.literal("payRequest"),
    callback: z.string(),
    minSendable: z.number().int(),
    maxSendable: z.number().int(),
    metadata: z.string().openapi({
      description: "JSON array of [type, content] entries, as a string: text/plain and text/identifier",
    }),
    commentAllowed: z.number().int(),
  })
  .openapi("LnurlPayRequest");

export const CallbackSchema = z
  .object({
    status: z.literal("OK"),
    pr: z.string().openapi({ description: "BOLT11 invoice whose h tag is sha256(metadata)" }),
    routes: z.array(z.unknown()).max(0).openapi({ description: "Always empty (LUD-06)" }),
    successAction: z.object({ tag: z.literal("message"), message: z.string() }),
    verify: z.string().openapi({ description: "LUD-21 verify URL of this invoice" }),
  })
  .openapi("LnurlPayCallback");

export const VerifySchema = z
  .object({
    status: z.literal("OK"),
    settled: z.boolean(),
    preimage: z.string().nullable(),
    pr: z.string(),
  })
  .openapi("LnurlVerify");

export const LnurlErrorSchema = z
  .object({
    status: z.literal("ERROR"),
    reason: z.string(),
    code: z.string().openapi({ description: "Stable error code (the same codes as the rest of the API)" }),
  })
  .openapi("LnurlError");
