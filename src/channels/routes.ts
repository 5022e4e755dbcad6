/** Channel routes (public; the payer authenticates sensitive actions by signature). */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { domainError } from "../core/errors";
import { hexToBytes } from "../crypto";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { errorResponses, IdParam, jsonRequest, jsonResponse, listOf, renderList } from "../http/schemas";
import { LIMITS } from "../core/limits";
import { PayerRefundSchema } from "../payments/schemas";
import { renderPayerRefund } from "../payments/view";
import { validationHook } from "../http/validation";
import { ChannelSchema, CloseBody, CreateChannelBody, FundingBody, PayerRefundsQuery } from "./schemas";
import { closeChannel, createChannel, payerRefunds, readChannel, registerFunding } from "./service";
import { renderChannel } from "./view";

const tags = ["Channels"];

const create = createRoute({
  method: "post",
  path: "/v1/channels",
  tags,
  summary: "Offer a channel: returns the funding address and script",
  middleware: [idempotent] as const,
  request: jsonRequest(CreateChannelBody),
  responses: { 201: jsonResponse(ChannelSchema, "The channel offer"), ...errorResponses(400, 413, 422, 503) },
});

const get = createRoute({
  method: "get",
  path: "/v1/channels/{id}",
  tags,
  summary: "Retrieve a channel (confirmations are refreshed on read)",
  request: { params: IdParam },
  responses: { 200: jsonResponse(ChannelSchema, "The channel"), ...errorResponses(404) },
});

const funding = createRoute({
  method: "post",
  path: "/v1/channels/{id}/funding",
  tags,
  summary:
    "Register the funding outpoint, signed by the payer; verified on chain (exact script and value), or kept opening until the node sees it",
  middleware: [idempotent] as const,
  request: { params: IdParam, ...jsonRequest(FundingBody) },
  responses: {
    200: jsonResponse(
      ChannelSchema,
      "The channel: opening (funding_verified_at null while the node has not seen the transaction) or open",
    ),
    ...errorResponses(400, 404, 409, 410, 422, 503),
  },
});

const close = createRoute({
  method: "post",
  path: "/v1/channels/{id}/close",
  tags,
  summary: "The payer asks the hub to close the channel at the next settlement",
  middleware: [idempotent] as const,
  request: { params: IdParam, ...jsonRequest(CloseBody) },
  responses: {
    200: jsonResponse(ChannelSchema, "The channel, closing"),
    ...errorResponses(400, 404, 409, 422),
  },
});

const refunds = createRoute({
  method: "get",
  path: "/v1/channels/{id}/refunds",
  tags,
  summary:
    "The refunds merchants issued to this channel's payer, newest first, and whether each is owed, being paid or paid (payer signature)",
  request: { params: IdParam, query: PayerRefundsQuery },
  responses: {
    200: jsonResponse(listOf(PayerRefundSchema, "PayerRefundList"), "The channel's refunds"),
    ...errorResponses(400, 404, 422),
  },
});

const at = (c: { var: AppEnv["Variables"] }) => ({ nowMs: c.var.clock.nowMs(), random: c.var.random });

/** Mounts the channel routes. */
export function channelRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const result = await createChannel(
      c.var.db,
      c.var.chain,
      c.var.config,
      {
        payerPubkey: hexToBytes(body.payer_pubkey),
        capacitySat: BigInt(body.capacity_sat),
        refundScript: body.refund_script_pubkey === undefined ? null : hexToBytes(body.refund_script_pubkey),
      },
      at(c),
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderChannel(result.value, c.var.config.network), 201);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const channel = await readChannel(c.var.db, c.var.chain, c.var.config, id, at(c));
    if (!channel) return fail(c, domainError("channel_not_found", `no channel '${id}'`, "id")) as never;
    return c.json(renderChannel(channel, c.var.config.network), 200);
  });

  app.openapi(refunds, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const page = { limit, startingAfter: query.starting_after };
    const result = await payerRefunds(c.var.db, id, query.signature, page);
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(
      renderList(result.value, limit, (r) => renderPayerRefund(r.refund, r.progress)),
      200,
    );
  });

  app.openapi(funding, async (c) => {
    const { id } = c.req.valid("param");
    const result = await registerFunding(c.var.db, c.var.chain, c.var.config, id, c.req.valid("json"), at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderChannel(result.value, c.var.config.network), 200);
  });

  app.openapi(close, async (c) => {
    const { id } = c.req.valid("param");
    const result = await closeChannel(
      c.var.db,
      c.var.chain,
      c.var.config,
      id,
      c.req.valid("json").signature,
      at(c),
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderChannel(result.value, c.var.config.network), 200);
  });

  return app;
}
