/** Lightning Address routes: the merchant API (claim, list, disable) and the public LNURL-pay endpoints. */
import { createRoute, type Hook, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { z } from "zod";
import { unixSeconds } from "../core/clock";
import { type DomainError, domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { merchantAuth, merchantId } from "../http/auth";
import type { AppEnv } from "../http/context";
import { errorStatus, fail } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { merchantGetRoute, merchantListRoute } from "../http/routes";
import {
  bearerSecurity,
  errorResponses,
  IdParam,
  jsonRequest,
  jsonResponse,
  renderList,
} from "../http/schemas";
import { issueToError, validationHook } from "../http/validation";
import type { LnurlHost } from "./address";
import { lnurlHost } from "./rules";
import {
  CallbackQuerySchema,
  CallbackSchema,
  CreateLightningAddressBody,
  LightningAddressSchema,
  ListLightningAddressesQuery,
  LnurlErrorSchema,
  NameParams,
  PayRequestSchema,
  VerifyParams,
  VerifySchema,
} from "./schemas";
import { activeAddress, claimAddress, disableAddress, issueInvoice, verifiedInvoice } from "./service";
import { getAddress, listAddresses } from "./store";
import { renderAddress, renderCallback, renderLnurlError, renderPayRequest, renderVerify } from "./view";

const tags = ["Lightning Addresses"];
const lnurlTags = ["LNURL-pay"];

const host = (c: Context<AppEnv>): LnurlHost => lnurlHost(c.var.config, c.req.url);

const moment = (c: Context<AppEnv>) => ({ nowMs: c.var.clock.nowMs(), random: c.var.random });

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/lightning-addresses",
  tags,
  summary: "Claim a Lightning Address name@<hub domain>",
  description:
    "The name is unique across the hub and stays the merchant's for good (disabling does not release it).",
  security: bearerSecurity,
  middleware: [merchantAuth("lightning_addresses:write"), idempotent] as const,
  request: jsonRequest(CreateLightningAddressBody),
  responses: {
    201: jsonResponse(LightningAddressSchema, "The claimed address"),
    ...errorResponses(400, 401, 403, 409, 413, 422),
  },
});

const get = merchantGetRoute({
  path: "/v1/lightning-addresses/{id}",
  tag: tags[0]!,
  scope: "lightning_addresses:read",
  summary: "Retrieve a Lightning Address",
  item: LightningAddressSchema,
  noun: "Lightning Address",
});

const list = merchantListRoute({
  path: "/v1/lightning-addresses",
  tag: tags[0]!,
  scope: "lightning_addresses:read",
  summary: "List Lightning Addresses, newest first",
  item: LightningAddressSchema,
  query: ListLightningAddressesQuery,
  listName: "LightningAddressList",
  plural: "Lightning Addresses",
});

const disableRoute = createRoute({
  method: "post",
  path: "/v1/lightning-addresses/{id}/disable",
  tags,
  summary: "Disable a Lightning Address (it stops answering; the name stays yours)",
  security: bearerSecurity,
  middleware: [merchantAuth("lightning_addresses:write"), idempotent] as const,
  request: { params: IdParam },
  responses: {
    200: jsonResponse(LightningAddressSchema, "The disabled address"),
    ...errorResponses(400, 401, 403, 404, 422),
  },
});

/** LNURL error responses of a public route, in the LUD shape `{status: "ERROR", reason, code}`. */
function lnurlErrors(...statuses: (400 | 404 | 410)[]) {
  const text: Record<number, string> = { 400: "Malformed parameters", 404: "Unknown name", 410: "Disabled" };
  return Object.fromEntries(statuses.map((s) => [s, jsonResponse(LnurlErrorSchema, text[s]!)]));
}

const payRequestRoute = createRoute({
  method: "get",
  path: "/.well-known/lnurlp/{name}",
  tags: lnurlTags,
  summary: "LUD-16 / LUD-06: the pay request of name@<hub domain>",
  description: 'Public, any origin. Errors are LNURL\'s `{status: "ERROR", reason}` plus a stable `code`.',
  request: { params: NameParams },
  responses: { 200: jsonResponse(PayRequestSchema, "The pay request"), ...lnurlErrors(400, 404, 410) },
});

const callbackRoute = createRoute({
  method: "get",
  path: "/lnurlp/{name}/callback",
  tags: lnurlTags,
  summary: "LUD-06 callback: an invoice for `amount` msat (LUD-12 `comment`), with LUD-09 and LUD-21",
  description: `Issues an ordinary invoice (invoice.created now, invoice.paid and payment.succeeded once paid), valid ${LIMITS.onDemandInvoiceExpirySeconds} s, whose h tag is sha256 of the pay request's metadata. Parameters other than amount and comment are ignored.`,
  request: { params: NameParams, query: CallbackQuerySchema },
  responses: { 200: jsonResponse(CallbackSchema, "The invoice to pay"), ...lnurlErrors(400, 404, 410) },
});

const verifyRoute = createRoute({
  method: "get",
  path: "/lnurlp/{name}/verify/{id}",
  tags: lnurlTags,
  summary: "LUD-21 verify: whether the invoice is settled, and its preimage once it is",
  request: { params: VerifyParams },
  responses: { 200: jsonResponse(VerifySchema, "Settlement status"), ...lnurlErrors(400, 404) },
});

/** Renders an expected failure on an LNURL route in LNURL's error shape. */
const lnurlFail = (c: Context<AppEnv>, error: DomainError) =>
  c.json(renderLnurlError(error), errorStatus(error.code).status);

/** Validation failures on LNURL routes, in LNURL's error shape. */
const lnurlHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    const target = (result as { target?: string }).target;
    const input = target === "query" ? c.req.query() : c.req.param();
    return lnurlFail(c, issueToError(result.error as z.ZodError, input));
  }
};

/** Mounts the Lightning Address routes. */
export function lnurlRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createRouteDef, async (c) => {
    const body = c.req.valid("json");
    const result = await claimAddress(
      c.var.db,
      merchantId(c.var.principal),
      {
        name: body.name,
        description: body.description ?? null,
        minSendableMsat: body.min_sendable_msat === undefined ? null : BigInt(body.min_sendable_msat),
        maxSendableMsat: body.max_sendable_msat === undefined ? null : BigInt(body.max_sendable_msat),
        commentAllowed: body.comment_allowed ?? null,
        successMessage: body.success_message ?? null,
      },
      c.var.config.channel.maxCapacitySat * 1000n,
      moment(c),
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderAddress(result.value, host(c)), 201);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const address = await getAddress(c.var.db, merchantId(c.var.principal), id);
    if (!address)
      return fail(
        c,
        domainError("lightning_address_not_found", `no Lightning Address '${id}'`, "id"),
      ) as never;
    return c.json(renderAddress(address, host(c)), 200);
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listAddresses(c.var.db, merchantId(c.var.principal), {
      limit,
      startingAfter: query.starting_after,
    });
    const h = host(c);
    return c.json(
      renderList(rows, limit, (a) => renderAddress(a, h)),
      200,
    );
  });

  app.openapi(disableRoute, async (c) => {
    const { id } = c.req.valid("param");
    const result = await disableAddress(c.var.db, merchantId(c.var.principal), id, unixSeconds(c.var.clock));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderAddress(result.value, host(c)), 200);
  });

  // LNURL wallets expect LNURL's error shape, validation failures included.
  const lnurl = new OpenAPIHono<AppEnv>({ defaultHook: lnurlHook });

  lnurl.openapi(payRequestRoute, async (c) => {
    const { name } = c.req.valid("param");
    const address = await activeAddress(c.var.db, name);
    if (!address.ok) return lnurlFail(c, address.error) as never;
    return c.json(renderPayRequest(address.value, host(c)), 200);
  });

  lnurl.openapi(callbackRoute, async (c) => {
    const { name } = c.req.valid("param");
    const h = host(c);
    const issued = await issueInvoice(
      c.var.db,
      name,
      { amount: c.req.queries("amount") ?? [], comment: c.req.queries("comment") ?? [] },
      h,
      {
        network: c.var.config.network,
        nodeSecretKey: c.var.config.keys.node.secretKey,
        nowMs: c.var.clock.nowMs(),
        random: c.var.random,
        publicUrl: c.var.config.publicUrl ?? new URL(c.req.url).origin,
      },
      c.var.config.rates,
    );
    if (!issued.ok) return lnurlFail(c, issued.error) as never;
    return c.json(renderCallback(issued.value.address, issued.value.invoice, h), 200);
  });

  lnurl.openapi(verifyRoute, async (c) => {
    const { name, id } = c.req.valid("param");
    const invoice = await verifiedInvoice(c.var.db, name, id, moment(c));
    if (!invoice.ok) return lnurlFail(c, invoice.error) as never;
    return c.json(renderVerify(invoice.value, unixSeconds(c.var.clock)), 200);
  });

  app.route("/", lnurl);
  return app;
}
