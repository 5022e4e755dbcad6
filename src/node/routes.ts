/** Public routes: node info, BOLT11 decoding, health. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { LIMITS } from "../core/limits";
import { NETWORKS } from "../core/network";
import { bytesToHex } from "../crypto";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { errorResponses, jsonRequest, jsonResponse } from "../http/schemas";
import { validationHook } from "../http/validation";
import { decodeInvoice } from "../lightning/bolt11";

export const NodeSchema = z
  .object({
    network: z.enum(NETWORKS),
    node_pubkey: z.string().openapi({ description: "Signs invoices (their payee) and receipts" }),
    block_height: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Chain tip; null while the Bitcoin node is unreachable or not configured" }),
    min_confirmations: z.number().int().openapi({ description: "Confirmations before a channel opens" }),
    channel: z.object({
      min_capacity_sat: z.number().int(),
      max_capacity_sat: z.number().int(),
      lifetime_blocks: z
        .number()
        .int()
        .openapi({ description: "refund_locktime = tip + lifetime_blocks at offer" }),
      close_margin_blocks: z
        .number()
        .int()
        .openapi({ description: "No payments once tip ≥ refund_locktime − close_margin_blocks" }),
    }),
  })
  .openapi("Node");

const DecodeBody = z
  .strictObject({ invoice: z.string().min(1).max(LIMITS.maxBolt11Chars).openapi({ example: "lnbcrt1…" }) })
  .openapi("DecodeInvoiceRequest");

const RouteHintSchema = z.object({
  pubkey: z.string(),
  short_channel_id: z.string(),
  fee_base_msat: z.number().int(),
  fee_proportional_millionths: z.number().int(),
  cltv_expiry_delta: z.number().int(),
});

export const DecodedInvoiceSchema = z
  .object({
    network: z.enum(NETWORKS),
    amount_msat: z.number().int().nullable(),
    timestamp: z.number().int(),
    expiry_seconds: z.number().int(),
    expires_at: z.number().int(),
    payment_hash: z.string(),
    payment_secret: z.string().nullable(),
    description: z.string().nullable(),
    description_hash: z.string().nullable(),
    payee_pubkey: z
      .string()
      .openapi({ description: "Recovered from the signature (or the n field, checked)" }),
    min_final_cltv_expiry: z.number().int(),
    features: z.array(z.number().int()).openapi({ description: "Feature bits set (BOLT #9)" }),
    fallback_addresses: z.array(z.string()),
    route_hints: z.array(z.array(RouteHintSchema)),
  })
  .openapi("DecodedInvoice");

const HealthSchema = z.object({ status: z.literal("ok"), database: z.literal("ok") }).openapi("Health");

const nodeRoute = createRoute({
  method: "get",
  path: "/v1/node",
  tags: ["Public"],
  summary: "The hub's network, node key, chain tip and channel limits",
  responses: { 200: jsonResponse(NodeSchema, "Node information") },
});

const decodeRoute = createRoute({
  method: "post",
  path: "/v1/bolt11/decode",
  tags: ["Public"],
  summary: "Decode and validate any BOLT11 invoice",
  request: jsonRequest(DecodeBody),
  responses: { 200: jsonResponse(DecodedInvoiceSchema, "The decoded invoice"), ...errorResponses(400, 413) },
});

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Public"],
  summary: "Liveness and database reachability",
  responses: { 200: jsonResponse(HealthSchema, "Healthy") },
});

/** Mounts the public routes. */
export function publicRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(nodeRoute, async (c) => {
    const { network, keys, minConfirmations, channel } = c.var.config;
    const chain = c.var.chain;
    const blockHeight = chain ? await chain.tipHeight().catch(() => null) : null;
    return c.json(
      {
        network,
        node_pubkey: bytesToHex(keys.node.publicKey),
        block_height: blockHeight,
        min_confirmations: minConfirmations,
        channel: {
          min_capacity_sat: Number(channel.minCapacitySat),
          max_capacity_sat: Number(channel.maxCapacitySat),
          lifetime_blocks: channel.lifetimeBlocks,
          close_margin_blocks: channel.closeMarginBlocks,
        },
      },
      200,
    );
  });

  app.openapi(decodeRoute, (c) => {
    const decoded = decodeInvoice(c.req.valid("json").invoice);
    if (!decoded.ok) return fail(c, decoded.error) as never;
    return c.json(decoded.value, 200);
  });

  app.openapi(healthRoute, async (c) => {
    await c.var.db.run(sql`SELECT 1`);
    return c.json({ status: "ok" as const, database: "ok" as const }, 200);
  });

  return app;
}
