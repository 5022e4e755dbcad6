/** Checkout routes: the public view the widget polls, the hosted page, and the widget itself. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { unixSeconds } from "../core/clock";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { errorResponses, jsonRequest, jsonResponse } from "../http/schemas";
import { validationHook } from "../http/validation";
import { decodeInvoice } from "../lightning/bolt11";
import { cachedCheckoutView } from "./cache";
import { checkoutPage, notFoundPage, pageHeaders } from "./page";
import { CheckoutSchema, InvoiceIdParam, LookupBody, textResponse, WidgetQuery } from "./schemas";
import { getCheckoutInvoice, getCheckoutInvoiceByHash } from "./store";
import { amountText, renderCheckout } from "./view";
import { WIDGET_INTEGRITY, WIDGET_JS, WIDGET_PATH, widgetHeaders } from "./widget";

const tags = ["Checkout"];

const viewRoute = createRoute({
  method: "get",
  path: "/v1/checkout/{id}",
  tags,
  summary: "The public view of an invoice a shopper needs (polled by the widget)",
  description: `No authentication, any origin (CORS). Cacheable by shared caches for ${LIMITS.checkoutCacheSeconds} s; the hub itself answers pollers from the Workers Cache API, reading D1 at most once a second per invoice (a status change purges it). Never shows the preimage, private metadata or the success URL before payment.`,
  request: { params: InvoiceIdParam },
  responses: { 200: jsonResponse(CheckoutSchema, "The checkout view"), ...errorResponses(404) },
});

const lookupRoute = createRoute({
  method: "post",
  path: "/v1/checkout/lookup",
  tags,
  summary: "The public view of the invoice with this BOLT11 string (a wallet's confirm screen)",
  description:
    "For a wallet holding only the BOLT11 string: who is asking to be paid, and whether the invoice is still open. 404 when the invoice is not this hub's.",
  request: jsonRequest(LookupBody),
  responses: { 200: jsonResponse(CheckoutSchema, "The checkout view"), ...errorResponses(400, 404, 413) },
});

const pageRoute = createRoute({
  method: "get",
  path: "/pay/{id}",
  tags,
  summary: "Hosted checkout page (the invoice's checkout_url)",
  description: "HTML under a strict Content-Security-Policy; redirects to the success URL once paid.",
  request: { params: InvoiceIdParam },
  responses: {
    200: textResponse("text/html", "The checkout page"),
    404: textResponse("text/html", "No such invoice"),
  },
});

const widgetRoute = createRoute({
  method: "get",
  path: "/widget.js",
  tags,
  summary: "The <sluice-checkout> web component",
  description:
    "With ?v=<current version> it is immutable (cached for a year); the bare URL is cached for minutes.",
  request: { query: WidgetQuery },
  responses: {
    200: textResponse("text/javascript", "The widget script"),
    304: { description: "Not modified (ETag)" },
  },
});

/** Mounts the checkout routes. */
export function checkoutRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(viewRoute, async (c) => {
    const { id } = c.req.valid("param");
    const view = await cachedCheckoutView(c, id);
    if (!view) return fail(c, domainError("invoice_not_found", `no invoice '${id}'`, "id")) as never;
    c.header("cache-control", `public, max-age=${LIMITS.checkoutCacheSeconds}`);
    return c.json(view, 200);
  });

  app.openapi(lookupRoute, async (c) => {
    const bolt11 = c.req.valid("json").invoice.trim().toLowerCase();
    const decoded = decodeInvoice(bolt11);
    if (!decoded.ok) return fail(c, decoded.error) as never;
    const found = await getCheckoutInvoiceByHash(c.var.db, decoded.value.payment_hash);
    if (!found || found.invoice.bolt11 !== bolt11)
      return fail(c, domainError("invoice_not_found", "this hub issued no such invoice", "invoice")) as never;
    return c.json(renderCheckout(found, unixSeconds(c.var.clock)), 200);
  });

  app.openapi(pageRoute, async (c) => {
    const { id } = c.req.valid("param");
    const found = await getCheckoutInvoice(c.var.db, id);
    const headers = await pageHeaders();
    if (!found) return c.body(notFoundPage(), 404, headers);
    const html = checkoutPage({
      invoiceId: found.invoice.id,
      merchantName: found.merchantName,
      bolt11: found.invoice.bolt11,
      amountText: amountText(found.invoice),
      widgetSrc: WIDGET_PATH,
      widgetIntegrity: WIDGET_INTEGRITY,
    });
    return c.body(html, 200, headers);
  });

  app.openapi(widgetRoute, (c) => {
    const headers = widgetHeaders(c.req.valid("query").v);
    if (c.req.header("if-none-match") === headers.etag) return c.body(null, 304, headers);
    return c.body(WIDGET_JS, 200, headers);
  });

  return app;
}
