/**
 * Regtest dev runs only: the wallet's "Fund from the test faucet". POST pays a channel offer's
 * exact capacity to its funding script from the dev faucet and returns the outpoint; the payer's
 * wallet then registers it (signed) like any deposit. Without DEV_MODE on regtest and a faucet
 * key the routes do not exist (404), as in production.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ChainError } from "../chain/backend";
import { getChannel } from "../channels/store";
import { domainError } from "../core/errors";
import { hexToBytes } from "../crypto";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { errorResponses, jsonRequest, jsonResponse } from "../http/schemas";
import { validationHook } from "../http/validation";
import { faucetPay } from "./faucet";

const tags = ["Dev"];

const FaucetBody = z
  .strictObject({
    channel_id: z.string().min(1).max(64).openapi({ example: "ch_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
  })
  .openapi("DevFaucetRequest");

const availableRoute = createRoute({
  method: "get",
  path: "/v1/dev/faucet",
  tags,
  summary: "Whether this hub has a regtest dev faucet (404 otherwise)",
  responses: {
    200: jsonResponse(z.object({ available: z.literal(true) }).openapi("DevFaucet"), "It has one"),
    ...errorResponses(404),
  },
});

const payRoute = createRoute({
  method: "post",
  path: "/v1/dev/faucet",
  tags,
  summary: "Regtest dev only: pay a channel offer's capacity to its funding script from the faucet",
  request: jsonRequest(FaucetBody),
  responses: {
    200: jsonResponse(
      z.object({ txid: z.string(), vout: z.number().int() }).openapi("DevFaucetPayment"),
      "Paid (unconfirmed); register it as the channel's funding",
    ),
    ...errorResponses(400, 404, 409, 413, 503),
  },
});

const noFaucet = () => domainError("route_not_found", "this hub has no dev faucet (regtest dev runs only)");

/** Mounts the dev faucet routes. */
export function devRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(availableRoute, (c) => {
    if (!c.var.config.devFaucetSecret || !c.var.config.rpc) return fail(c, noFaucet()) as never;
    return c.json({ available: true as const }, 200);
  });

  app.openapi(payRoute, async (c) => {
    const secret = c.var.config.devFaucetSecret;
    const rpc = c.var.config.rpc;
    if (!secret || !rpc) return fail(c, noFaucet()) as never;
    const id = c.req.valid("json").channel_id;
    const channel = await getChannel(c.var.db, id);
    if (!channel)
      return fail(c, domainError("channel_not_found", `no channel '${id}'`, "channel_id")) as never;
    if (channel.status !== "awaiting_funding" || channel.fundingTxid !== null)
      return fail(
        c,
        domainError("channel_not_awaiting_funding", "the channel is funded already", "channel_id"),
      ) as never;
    try {
      const paid = await faucetPay(rpc, secret, hexToBytes(channel.fundingScriptPubkey), channel.capacitySat);
      return c.json({ txid: paid.txid, vout: paid.vout }, 200);
    } catch (e) {
      if (!(e instanceof ChainError) && !(e instanceof Error && /faucet found no/.test(e.message))) throw e;
      return fail(c, domainError("chain_unavailable", "the faucet could not pay; retry shortly")) as never;
    }
  });

  return app;
}
