/** Settlement, payout, proof and hub wallet schemas (validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { pageQuery } from "../http/schemas";
import { PAYOUT_STATUSES, SETTLEMENT_STATUSES } from "./settlement";

const txid = z.string().regex(/^[0-9a-f]{64}$/, "txid must be 32 bytes of lower-case hex");

export const PayoutSchema = z
  .object({
    id: z.string(),
    object: z.literal("payout"),
    status: z.enum(PAYOUT_STATUSES).openapi({ description: "pending → broadcast → confirmed (final)" }),
    settlement_id: z.string(),
    address: z.string(),
    amount_sat: z.number().int().openapi({ description: "What the output pays you" }),
    fee_share_sat: z.number().int().openapi({
      description: "Your share of the miner fee: your output's vbytes × the fee rate when planned",
    }),
    debit_msat: z
      .number()
      .int()
      .openapi({ description: "Taken off your balance: (amount + fee share) × 1000" }),
    txid: z
      .string()
      .nullable()
      .openapi({ description: "The transaction paying it (the confirmed one once final)" }),
    vout: z.number().int(),
    created_at: z.number().int(),
    broadcast_at: z.number().int().nullable(),
    confirmed_at: z.number().int().nullable(),
  })
  .openapi("Payout");

export const ListPayoutsQuery = z.object({
  ...pageQuery("payout"),
  status: z.enum(PAYOUT_STATUSES).optional(),
});

export const SettlementSchema = z
  .object({
    id: z.string(),
    object: z.literal("settlement"),
    status: z.enum(SETTLEMENT_STATUSES),
    txids: z.array(z.string()),
    merkle_root: z
      .string()
      .openapi({ description: "Root of the Merkle-sum tree of liabilities in its OP_RETURN" }),
    total_liabilities_msat: z.number().int(),
    confirmations: z.number().int(),
    payout_count: z.number().int(),
    close_count: z.number().int(),
    fee_rate_sat_per_vb: z.number().int(),
    created_at: z.number().int(),
    final_at: z.number().int().nullable(),
  })
  .openapi("Settlement");

export const ProofQuery = z.object({
  channel_id: z.string().min(1).max(64).optional().openapi({
    description: "Payers: the channel whose leaves to prove (with `signature`, instead of an API key)",
  }),
  signature: z
    .string()
    .regex(/^([0-9a-f]{2}){8,73}$/, "signature must be hex DER")
    .optional()
    .openapi({
      description:
        'Low-S DER signature by the payer key of sha256("sluice/proof/v1:<channel id>:<settlement id>")',
    }),
});

const ProofStepSchema = z.object({
  hash: z.string(),
  sum_msat: z.number().int(),
  side: z.enum(["left", "right"]).openapi({ description: "Where the sibling sits" }),
});

export const SettlementProofSchema = z
  .object({
    object: z.literal("settlement_proof"),
    settlement_id: z.string(),
    merkle_root: z.string(),
    total_liabilities_msat: z.number().int(),
    txids: z.array(z.string()),
    proofs: z
      .array(
        z.object({
          owner: z
            .string()
            .openapi({ description: "`merchant:<id>`, `channel:<id>` or `refund_owed:<channel id>`" }),
          balance_msat: z.number().int(),
          salt: z.string().nullable().openapi({
            description:
              "Hex, 32 bytes: your leaf's secret salt, hashed into it so no one can tell whose a proof's siblings are (null for settlements anchored before leaves were salted)",
          }),
          index: z.number().int(),
          steps: z.array(ProofStepSchema),
        }),
      )
      .openapi({ description: "One per leaf you own; empty when you had no balance after this settlement" }),
  })
  .openapi("SettlementProof");

export const RegisterUtxoBody = z
  .strictObject({ txid, vout: z.number().int().min(0).max(0xffffffff) })
  .openapi("RegisterUtxoRequest");

export const HubUtxoSchema = z
  .object({
    txid: z.string(),
    vout: z.number().int(),
    value_sat: z.number().int(),
    status: z.enum(["available", "reserved", "spent"]),
    source: z.enum(["deposit", "change"]),
    settlement_id: z.string().nullable(),
    created_at: z.number().int(),
  })
  .openapi("HubUtxo");

export const HubSchema = z
  .object({
    object: z.literal("hub"),
    network: z.string(),
    wallet_address: z.string().openapi({ description: "Deposit here, then register the output" }),
    wallet: z.object({
      available_sat: z.number().int(),
      reserved_sat: z.number().int().openapi({ description: "Held by the settlement in flight" }),
      utxo_count: z.number().int(),
    }),
    utxos: z.array(HubUtxoSchema),
    liabilities_msat: z.number().int(),
    equity_msat: z.number().int(),
    held_on_chain_msat: z.number().int(),
    ledger_ok: z.boolean(),
    channels: z.record(z.string(), z.number().int()).openapi({ description: "Channel count by status" }),
    active_settlement: z.union([SettlementSchema, z.null()]),
  })
  .openapi("Hub");

export const SettlementRunSchema = z
  .object({
    ran: z.boolean().openapi({ description: "False when another run held the lease" }),
    planned: z.string().nullable(),
    active: z.union([SettlementSchema, z.null()]),
    skipped: z.array(z.object({ key: z.string(), reason: z.string() })),
    steps: z.array(z.string()),
    chain_error: z.string().nullable(),
  })
  .openapi("SettlementRun");
