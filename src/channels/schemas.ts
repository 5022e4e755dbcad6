/** Channel request/response schemas (validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { withCode } from "../http/schemas";
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

export const FundingBody = z
  .strictObject({
    txid: z.string().regex(/^[0-9a-f]{64}$/, "txid must be 32 bytes of lower-case hex"),
    vout: z.number().int().min(0).max(0xffffffff),
  })
  .openapi("RegisterFundingRequest");

export const CloseBody = z
  .strictObject({
    signature: z
      .string()
      .regex(/^([0-9a-f]{2}){8,73}$/, "signature must be hex DER")
      .openapi({
        description: 'Low-S DER signature by payer_pubkey of sha256("sluice/close/v1:<channel id>")',
      }),
  })
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
