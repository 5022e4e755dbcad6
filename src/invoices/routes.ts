/** Invoice routes: parse → call the service → render. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { unixSeconds } from "../core/clock";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { confirmedWrite, merchantAuth, merchantId } from "../http/auth";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { idempotent } from "../http/idempotency";
import {
  bearerSecurity,
  errorResponses,
  IdParam,
  jsonRequest,
  jsonResponse,
  renderList,
} from "../http/schemas";
import { merchantGetRoute, merchantListRoute } from "../http/routes";
import { validationHook } from "../http/validation";
import type { InvoiceAsk } from "./invoice";
import { tooShortExpiry } from "./rules";
import { cancelInvoice, issueInvoice, readInvoice } from "./service";
import { CreateInvoiceBody, InvoiceSchema, ListInvoicesQuery } from "./schemas";
import { listInvoices } from "./store";
import { renderInvoice } from "./view";

const tags = ["Invoices"];

const create = createRoute({
  method: "post",
  path: "/v1/invoices",
  tags,
  summary: "Create an invoice",
  security: bearerSecurity,
  middleware: [merchantAuth("invoices:write", { confirmedByWrite: true }), idempotent] as const,
  request: jsonRequest(CreateInvoiceBody),
  responses: {
    201: jsonResponse(InvoiceSchema, "The new open invoice"),
    ...errorResponses(400, 401, 403, 409, 413, 422, 503),
  },
});

const get = merchantGetRoute({
  path: "/v1/invoices/{id}",
  tag: "Invoices",
  scope: "invoices:read",
  summary: "Retrieve an invoice",
  item: InvoiceSchema,
  noun: "invoice",
});

const list = merchantListRoute({
  path: "/v1/invoices",
  tag: "Invoices",
  scope: "invoices:read",
  summary: "List invoices, newest first",
  item: InvoiceSchema,
  query: ListInvoicesQuery,
  listName: "InvoiceList",
  plural: "invoices",
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/invoices/{id}/cancel",
  tags,
  summary: "Cancel an open invoice",
  security: bearerSecurity,
  middleware: [merchantAuth("invoices:write"), idempotent] as const,
  request: { params: IdParam },
  responses: {
    200: jsonResponse(InvoiceSchema, "The canceled invoice"),
    ...errorResponses(400, 401, 403, 404, 409, 410, 422),
  },
});

/** Mounts the invoice routes. */
export function invoiceRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const terms = {
      description: body.description ?? null,
      descriptionHash: body.description_hash ?? null,
      expirySeconds: body.expiry_seconds ?? LIMITS.defaultExpirySeconds,
      metadata: body.metadata ?? {},
      orderId: body.order_id ?? null,
      successUrl: body.success_url ?? null,
      publicMetadataKeys: [...new Set(body.public_metadata_keys ?? [])],
    };
    const shortExpiry = tooShortExpiry(terms.expirySeconds, c.var.config.minInvoiceExpirySeconds);
    if (shortExpiry) return fail(c, shortExpiry) as never;
    const ask: InvoiceAsk = body.price
      ? { ...terms, price: { currency: body.price.currency, amountMinor: BigInt(body.price.amount_minor) } }
      : { ...terms, amountMsat: BigInt(body.amount_msat!) };
    // The key lookup and the invoice write share one round trip: the batch re-checks the key.
    const result = await confirmedWrite(c, "invoices:write", (principal, guard) =>
      issueInvoice(
        c.var.db,
        ask,
        {
          merchantId: principal.merchantId,
          network: c.var.config.network,
          nodeSecretKey: c.var.config.keys.node.secretKey,
          nowMs: c.var.clock.nowMs(),
          random: c.var.random,
          publicUrl: c.var.config.publicUrl ?? new URL(c.req.url).origin,
        },
        { policy: c.var.config.rates, merchant: principal.fiat },
        [guard],
      ),
    );
    if (result instanceof Response) return result as never;
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderInvoice(result.value, result.value.createdAt), 201);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const at = { nowMs: c.var.clock.nowMs(), random: c.var.random };
    const invoice = await readInvoice(c.var.db, merchantId(c.var.principal), id, at);
    if (!invoice) return fail(c, domainError("invoice_not_found", `no invoice '${id}'`, "id")) as never;
    return c.json(renderInvoice(invoice, unixSeconds(c.var.clock)), 200);
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const now = unixSeconds(c.var.clock);
    const rows = await listInvoices(c.var.db, merchantId(c.var.principal), {
      status: query.status,
      limit,
      startingAfter: query.starting_after,
      nowSeconds: now,
    });
    return c.json(
      renderList(rows, limit, (inv) => renderInvoice(inv, now)),
      200,
    );
  });

  app.openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid("param");
    const at = { nowMs: c.var.clock.nowMs(), random: c.var.random };
    const result = await cancelInvoice(c.var.db, merchantId(c.var.principal), id, at);
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderInvoice(result.value, unixSeconds(c.var.clock)), 200);
  });

  return app;
}
