/**
 * POST /v1/channels/{id}/refund: relays a payer's own CLTV refund through the hub's Bitcoin node,
 * for wallets (the browser one) that have no node of their own. The hub only checks that the
 * transaction spends this channel's funding output after refund_locktime; the node checks the
 * rest. The payer never depends on it: the same raw transaction works with any broadcaster.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ChainError } from "../chain/backend";
import { parseTx, type Tx } from "../chain/tx";
import { domainError, type DomainError } from "../core/errors";
import { err, ok, type Result } from "../core/result";
import { hexToBytes } from "../crypto";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { errorResponses, IdParam, jsonRequest, jsonResponse } from "../http/schemas";
import { validationHook } from "../http/validation";
import type { Channel } from "./channel";
import { getChannel } from "./store";

/** A transaction of at most this many bytes: one input, one output, a refund witness — far less. */
const MAX_REFUND_TX_HEX_CHARS = 4_000;

export const RefundBody = z
  .strictObject({
    raw_tx: z
      .string()
      .max(MAX_REFUND_TX_HEX_CHARS)
      .regex(/^([0-9a-f]{2})+$/, "raw_tx must be lower-case hex")
      .openapi({ description: "The payer's signed refund (PayerWallet.buildRefund)" }),
  })
  .openapi("RelayRefundRequest");

const relayed = z.object({ txid: z.string() }).openapi("RelayedRefund");

/** Whether `tx` is a refund of `channel` the hub should relay (pure). */
export function checkRefund(channel: Channel, tx: Tx | null): Result<Tx, DomainError> {
  if (!tx) return err(domainError("invalid_parameter", "raw_tx is not a transaction", "raw_tx"));
  if (channel.fundingTxid === null || channel.fundingVout === null)
    return err(domainError("channel_not_open", "the channel has no funding output to refund"));
  const spends = tx.inputs.some((i) => i.txid === channel.fundingTxid && i.vout === channel.fundingVout);
  if (!spends)
    return err(
      domainError("invalid_parameter", "raw_tx does not spend this channel's funding output", "raw_tx"),
    );
  if (tx.locktime < channel.refundLocktime)
    return err(
      domainError(
        "invalid_parameter",
        `a refund is valid from block ${channel.refundLocktime} (nLockTime)`,
        "raw_tx",
      ),
    );
  return ok(tx);
}

const route = createRoute({
  method: "post",
  path: "/v1/channels/{id}/refund",
  tags: ["Channels"],
  summary: "Relay the payer's signed CLTV refund through the hub's Bitcoin node",
  request: { params: IdParam, ...jsonRequest(RefundBody) },
  responses: {
    200: jsonResponse(relayed, "Broadcast: the node holds the transaction"),
    ...errorResponses(400, 404, 409, 413, 503),
  },
});

/** Mounts the refund relay. */
export function refundRelayRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const channel = await getChannel(c.var.db, id);
    if (!channel) return fail(c, domainError("channel_not_found", `no channel '${id}'`, "id")) as never;
    const { raw_tx } = c.req.valid("json");
    let tx: Tx | null = null;
    try {
      tx = parseTx(hexToBytes(raw_tx));
    } catch {}
    const checked = checkRefund(channel, tx);
    if (!checked.ok) return fail(c, checked.error) as never;
    const chain = c.var.chain;
    if (!chain)
      return fail(c, domainError("chain_unavailable", "the hub has no Bitcoin node configured")) as never;
    try {
      return c.json({ txid: await chain.broadcast(raw_tx) }, 200);
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      if (e.kind === "unavailable")
        return fail(c, domainError("chain_unavailable", "the Bitcoin node is unreachable; retry")) as never;
      return fail(
        c,
        domainError(
          "invalid_parameter",
          "the node refused the transaction (spent, or not yet final)",
          "raw_tx",
        ),
      ) as never;
    }
  });
  return app;
}
