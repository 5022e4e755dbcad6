/** Channel request/response schemas (validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { pageQuery, withCode } from "../http/schemas";
import { CHANNEL_STATUSES } from "./channel";

const hex = (value: string) => /^([0-9a-f]{2})+$/.test(value);

export const CreateChannelBody = z
  .strictObject({
    payer_pubkey: z
      .string()
      .superRefine((v, ctx) => {
        if (!/^[0-9a-f]{66}$/.test(v)) {
          ctx.addIssue({
            code: "custom",
            message: "must be 33 bytes of lower-case hex",
            ...withCode("invalid_pubkey"),
          });
        }
      })
      .openapi({ description: "Payer key P, compressed secp256k1", example: `02${"ab".repeat(32)}` }),
    capacity_sat: z
      .number()
      .int()
      .min(1)
      .max(Number.MAX_SAFE_INTEGER)
      .openapi({ description: "Exact funding amount in satoshi; limits in GET /v1/node", example: 100_000 }),
    refund_script_pubkey: z
      .string()
      .max(200)
      .superRefine((v, ctx) => {
        if (!hex(v))
          ctx.addIssue({
            code: "custom",
            message: "must be lower-case hex",
            ...withCode("invalid_refund_script"),
          });
      })
      .optional()
      .openapi({
        description:
          "Where the payer's money goes on close: P2WPKH, P2WSH or P2TR. Default: P2WPKH of payer_pubkey",
      }),
  })
  .openapi("CreateChannelRequest");

/** A payer's low-S DER signature of sha256(UTF-8 `message`), hex. */
const payerSignature = (message: string) =>
  z
    .string()
    .regex(/^([0-9a-f]{2}){8,73}$/, "signature must be hex DER")
    .openapi({ description: `Low-S DER signature by payer_pubkey of sha256("${message}")` });

export const FundingBody = z
  .strictObject({
    txid: z.string().regex(/^[0-9a-f]{64}$/, "txid must be 32 bytes of lower-case hex"),
    vout: z.number().int().min(0).max(0xffffffff),
    signature: payerSignature("sluice/funding/v1:<channel id>:<txid>:<vout>"),
  })
  .openapi("RegisterFundingRequest");

export const PayerRefundsQuery = z.strictObject({
  signature: payerSignature("sluice/refunds/v1:<channel id>"),
  ...pageQuery("refund"),
});

export const CloseBody = z
  .strictObject({ signature: payerSignature("sluice/close/v1:<channel id>") })
  .openapi("CloseChannelRequest");

export const ChannelSchema = z
  .object({
    id: z.string(),
    object: z.literal("channel"),
    status: z.enum(CHANNEL_STATUSES),
    payer_pubkey: z.string(),
    hub_pubkey: z.string(),
    refund_locktime: z
      .number()
      .int()
      .openapi({ description: "Block height T after which the payer can refund alone" }),
    witness_script: z.string(),
    funding_script_pubkey: z.string(),
    funding_address: z.string(),
    capacity_sat: z.number().int(),
    refund_script_pubkey: z.string(),
    seq: z.number().int(),
    payer_balance_msat: z.number().int(),
    funding_txid: z.string().nullable(),
    funding_vout: z.number().int().nullable(),
    funding_confirmations: z.number().int(),
    funding_verified_at: z.number().int().nullable().openapi({
      description:
        "When the hub verified the funding outpoint on chain; null while it waits for its node to see the registered transaction (status opening)",
    }),
    funding_error: z.object({ code: z.string(), message: z.string() }).nullable().openapi({
      description:
        "Why the last registered outpoint was turned down once the node showed it (or never showed it before the offer expired); the channel went back to awaiting_funding (or expired)",
    }),
    created_at: z.number().int(),
    offer_expires_at: z.number().int(),
    opened_at: z.number().int().nullable(),
    close_requested_at: z.number().int().nullable(),
    closed_at: z.number().int().nullable(),
    settlement_id: z
      .string()
      .nullable()
      .openapi({ description: "The settlement closing it on chain, once planned" }),
    close_reason: z.enum(["expiring", "exhausted", "requested"]).nullable().openapi({
      description: "Why the hub closes it: near refund_locktime, spent below dust, or asked by the payer",
    }),
  })
  .openapi("Channel");
