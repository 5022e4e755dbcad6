/** Merchant and API key schemas (validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../core/limits";
import { pageQuery } from "../http/schemas";
import { CurrencyCode } from "../rates/schemas";
import { SCOPES } from "./merchant";

const Scopes = z
  .array(z.enum(SCOPES))
  .min(1)
  .max(SCOPES.length * 2)
  .openapi({ description: "Scopes granted; a ':write' scope includes its ':read'" });

export const CreateMerchantBody = z
  .strictObject({
    name: z.string().trim().min(1).max(LIMITS.maxNameChars).openapi({ example: "Corner Coffee" }),
    scopes: Scopes.optional(),
  })
  .openapi("CreateMerchantRequest");

export const CreateApiKeyBody = z
  .strictObject({
    scopes: Scopes.optional(),
    label: z
      .string()
      .trim()
      .min(1)
      .max(LIMITS.maxNameChars)
      .optional()
      .openapi({ example: "checkout server" }),
  })
  .openapi("CreateApiKeyRequest");

export const MerchantSchema = z
  .object({
    id: z.string(),
    object: z.literal("merchant"),
    name: z.string(),
    created_at: z.number().int(),
    fee_base_msat: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Per-payment fee override; null: the default" }),
    fee_ppm: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Proportional fee override in millionths; null: the default" }),
    payout_address: z.string().nullable().openapi({
      description:
        "Where settlement pays your balance (a segwit address of this network); null: not paid out",
    }),
    payout_threshold_msat: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Your balance is paid out once it reaches this; null: the hub's default" }),
    effective_payout_threshold_msat: z.number().int().openapi({ description: "The threshold in force" }),
    display_currency: z.string().nullable().openapi({
      description:
        "Fiat values of sat-priced invoices, their payments, your balance and payouts are shown in it; null: none",
    }),
    rate_spread_ppm: z.number().int().openapi({
      description: "Taken off the exchange rate when you price in fiat (ppm): more sats per price",
    }),
  })
  .openapi("Merchant");

export const UpdatePayoutSettingsBody = z
  .strictObject({
    payout_address: z.string().trim().min(1).max(90).nullable().optional().openapi({
      description: "P2WPKH, P2WSH or P2TR address of this network; null stops payouts",
      example: "bcrt1q…",
    }),
    payout_threshold_msat: z
      .number()
      .int()
      .min(LIMITS.minPayoutThresholdMsat)
      .max(Number.MAX_SAFE_INTEGER)
      .nullable()
      .optional()
      .openapi({ description: "Pay out once the balance reaches this (msat); null: the hub's default" }),
    display_currency: CurrencyCode.nullable()
      .optional()
      .openapi({ description: "One of the currencies this hub prices in (RATE_CURRENCIES); null: none" }),
    rate_spread_ppm: z
      .number()
      .int()
      .min(0)
      .max(LIMITS.maxRateSpreadPpm)
      .optional()
      .openapi({ description: `Spread on fiat prices, 0 … ${LIMITS.maxRateSpreadPpm} ppm (default 0)` }),
  })
  .openapi("UpdatePayoutSettingsRequest");

export const UpdateMerchantBody = z
  .strictObject({
    name: z.string().trim().min(1).max(LIMITS.maxNameChars).optional(),
    fee_base_msat: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
    fee_ppm: z.number().int().min(0).max(1_000_000).nullable().optional(),
  })
  .openapi("UpdateMerchantRequest");

const apiKeyFields = {
  id: z.string(),
  object: z.literal("api_key"),
  merchant_id: z.string(),
  prefix: z
    .string()
    .openapi({ description: "First characters of the key, to recognise it", example: "sk_Ab3dE9xQ…" }),
  scopes: z.array(z.enum(SCOPES)),
  label: z.string().nullable(),
  created_at: z.number().int(),
  revoked_at: z.number().int().nullable(),
};

export const ApiKeySchema = z.object(apiKeyFields).openapi("ApiKey");

/** A key just minted: the same fields plus the secret (a flat object, so the spec needs no allOf). */
export const NewApiKeySchema = z
  .object({
    ...apiKeyFields,
    secret: z.string().openapi({ description: "The key itself. Shown once, never again.", example: "sk_…" }),
  })
  .openapi("NewApiKey");

export const NewMerchantSchema = z
  .object({ merchant: MerchantSchema, api_key: NewApiKeySchema })
  .openapi("NewMerchant");

export const ListApiKeysQuery = z.strictObject({ ...pageQuery("apiKey") });
