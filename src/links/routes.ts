/** Payment link routes: the merchant API and the public page /l/{id}. */
import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { base64urlnopad } from "@scure/base";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { pageHeaders } from "../checkout/page";
import { textResponse } from "../checkout/schemas";
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
import { validationHook } from "../http/validation";
import type { Merchant } from "../merchants/merchant";
import { getMerchant } from "../merchants/store";
import type { FiatPrice } from "../rates/rate";
import { priceInFiat } from "../rates/rules";
import { currentRate } from "../rates/service";
import type { LinkRequest } from "./link";
import { linkGonePage, linkPage } from "./page";
import { checkConverted, isVisitorId, visitAmount } from "./rules";
import { CreateLinkBody, LinkIdParam, LinkPageQuery, ListLinksQuery, PaymentLinkSchema } from "./schemas";
import { createLink, disableLink, visitLink } from "./service";
import { getLink, linkById, listLinks } from "./store";
import { renderLink } from "./view";

const tags = ["Payment links"];
const VISITOR_COOKIE = "sluice_visitor";

const origin = (c: Context<AppEnv>) => c.var.config.publicUrl ?? new URL(c.req.url).origin;
const moment = (c: Context<AppEnv>) => ({ nowMs: c.var.clock.nowMs(), random: c.var.random });
const maxMsat = (c: Context<AppEnv>) => c.var.config.channel.maxCapacitySat * 1000n;
const notFound = domainError("payment_link_not_found", "This payment link does not exist.");
const disabledError = domainError("payment_link_disabled", "This payment link no longer takes payments.");

/** The request as the domain takes it (the schema checked shapes and that at most one amount is given). */
function linkRequest(body: z.infer<typeof CreateLinkBody>): LinkRequest {
  const open = body.open_price;
  return {
    amountMsat: body.amount_msat === undefined ? null : BigInt(body.amount_msat),
    price: body.price
      ? { currency: body.price.currency, amountMinor: BigInt(body.price.amount_minor) }
      : null,
    openPrice: open
      ? {
          currency: open.currency,
          minAmountMinor: BigInt(open.min_amount_minor ?? 1),
          maxAmountMinor: open.max_amount_minor === undefined ? null : BigInt(open.max_amount_minor),
        }
      : null,
    description: body.description ?? null,
    successUrl: body.success_url ?? null,
  };
}

/** What a fiat price comes to in msat now, for the page (null: no fresh rate); it writes nothing. */
async function quoteMsat(
  c: Context<AppEnv>,
  price: FiatPrice,
  merchant: Merchant | null,
): Promise<bigint | null> {
  const rate = await currentRate(c.var.db, c.var.config.rates, price.currency, c.var.clock.nowMs());
  if (!rate.ok) return null;
  const priced = priceInFiat(price, rate.value, {
    displayCurrency: null,
    spreadPpm: merchant?.rateSpreadPpm ?? 0,
  });
  return priced.ok ? priced.value.amountMsat : null;
}

const createLinkRoute = createRoute({
  method: "post",
  path: "/v1/payment-links",
  tags,
  summary: "Create a payment link: a reusable page /l/{id} for a fixed or open amount",
  security: bearerSecurity,
  middleware: [merchantAuth("payment_links:write"), idempotent] as const,
  request: jsonRequest(CreateLinkBody),
  responses: {
    201: jsonResponse(PaymentLinkSchema, "The new link (payment_link.created)"),
    ...errorResponses(400, 401, 403, 409, 413, 422),
  },
});

const get = merchantGetRoute({
  path: "/v1/payment-links/{id}",
  tag: tags[0]!,
  scope: "payment_links:read",
  summary: "Retrieve a payment link",
  item: PaymentLinkSchema,
  noun: "payment link",
});

const list = merchantListRoute({
  path: "/v1/payment-links",
  tag: tags[0]!,
  scope: "payment_links:read",
  summary: "List payment links, newest first",
  item: PaymentLinkSchema,
  query: ListLinksQuery,
  listName: "PaymentLinkList",
  plural: "payment links",
});

const disableRoute = createRoute({
  method: "post",
  path: "/v1/payment-links/{id}/disable",
  tags,
  summary: "Disable a payment link (payment_link.disabled); its page stops minting invoices",
  security: bearerSecurity,
  middleware: [merchantAuth("payment_links:write"), idempotent] as const,
  request: { params: IdParam },
  responses: {
    200: jsonResponse(PaymentLinkSchema, "The disabled link"),
    ...errorResponses(400, 401, 403, 404, 422),
  },
});

const pageRoute = createRoute({
  method: "get",
  path: "/l/{id}",
  tags,
  summary: "The payment link page (the link's url): what is paid and a Pay button; creates nothing",
  description: "HTML under the hosted page's CSP (its form may post to this origin only).",
  request: { params: LinkIdParam, query: LinkPageQuery },
  responses: {
    200: textResponse("text/html", "The page"),
    400: textResponse("text/html", "The chosen amount is not valid"),
    404: textResponse("text/html", "No such link"),
    410: textResponse("text/html", "The link is disabled"),
  },
});

const payRoute = createRoute({
  method: "post",
  path: "/l/{id}",
  tags,
  summary: "The page's Pay button: the visitor's open invoice for this amount, or a new one",
  description: `Redirects (303) to the invoice's hosted checkout page. A visitor (a random cookie) asking again for the same amount gets the same invoice while it has ${LIMITS.paymentLinkReuseMinSecondsLeft} s or more left; new invoices live ${LIMITS.onDemandInvoiceExpirySeconds} s.`,
  request: { params: LinkIdParam, query: LinkPageQuery },
  responses: {
    303: { description: "To the invoice's checkout_url" },
    400: textResponse("text/html", "The amount is not valid"),
    404: textResponse("text/html", "No such link"),
    410: textResponse("text/html", "The link is disabled"),
  },
});

/** Mounts the payment link routes. */
export function linkRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createLinkRoute, async (c) => {
    const body = c.req.valid("json");
    const result = await createLink(
      c.var.db,
      merchantId(c.var.principal),
      linkRequest(body),
      { origin: origin(c), hubCurrencies: c.var.config.rates.currencies },
      moment(c),
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderLink(result.value), 201);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const link = await getLink(c.var.db, merchantId(c.var.principal), id);
    if (!link)
      return fail(c, domainError("payment_link_not_found", `no payment link '${id}'`, "id")) as never;
    return c.json(renderLink(link), 200);
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listLinks(c.var.db, merchantId(c.var.principal), {
      limit,
      startingAfter: query.starting_after,
    });
    return c.json(renderList(rows, limit, renderLink), 200);
  });

  app.openapi(disableRoute, async (c) => {
    const { id } = c.req.valid("param");
    const result = await disableLink(c.var.db, merchantId(c.var.principal), id, moment(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderLink(result.value), 200);
  });

  // The page is for browsers: every answer, errors included, is HTML.
  const pages = new OpenAPIHono<AppEnv>({
    defaultHook: async (result, c) => {
      if (!result.success) return c.body(linkGonePage(notFound), 404, await pageHeaders());
    },
  });

  pages.openapi(pageRoute, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const headers = { ...(await pageHeaders("self")), "x-robots-tag": "noindex" };
    const link = await linkById(c.var.db, id);
    if (!link) return c.body(linkGonePage(notFound), 404, headers);
    if (link.status !== "active") return c.body(linkGonePage(disabledError), 410, headers);
    const merchant = await getMerchant(c.var.db, link.merchantId);
    const asked = query.amount_sat !== undefined || query.amount !== undefined;
    const fixed = link.amountMsat !== null || link.price !== null;
    const chosen =
      fixed || asked
        ? visitAmount(link, { amountSat: query.amount_sat, amount: query.amount }, maxMsat(c))
        : null;
    const quote =
      chosen?.ok && chosen.value.kind === "price" ? await quoteMsat(c, chosen.value.price, merchant) : null;
    const refusal =
      chosen && !chosen.ok ? chosen.error : quote === null ? null : checkConverted(link, quote, maxMsat(c));
    const html = linkPage({
      link,
      merchantName: merchant?.name ?? "",
      chosen: chosen?.ok && !refusal ? chosen.value : null,
      quoteMsat: quote,
      maxSat: maxMsat(c) / 1000n,
      error: refusal,
    });
    return c.body(html, refusal ? errorStatus(refusal.code).status : 200, headers);
  });

  pages.openapi(payRoute, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const presented = getCookie(c, VISITOR_COOKIE);
    const visitor = isVisitorId(presented) ? presented : base64urlnopad.encode(c.var.random(16));
    const result = await visitLink(
      c.var.db,
      {
        linkId: id,
        visitor,
        query: { amountSat: query.amount_sat, amount: query.amount },
        maxMsat: maxMsat(c),
      },
      {
        network: c.var.config.network,
        nodeSecretKey: c.var.config.keys.node.secretKey,
        nowMs: c.var.clock.nowMs(),
        random: c.var.random,
        publicUrl: origin(c),
      },
      c.var.config.rates,
    );
    const headers = { ...(await pageHeaders("self")), "x-robots-tag": "noindex" };
    if (!result.ok) {
      return c.body(linkGonePage(result.error), errorStatus(result.error.code).status, headers) as never;
    }
    setCookie(c, VISITOR_COOKIE, visitor, {
      path: "/l/",
      httpOnly: true,
      sameSite: "Lax",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: LIMITS.paymentLinkVisitorCookieSeconds,
    });
    return c.redirect(result.value.checkoutUrl ?? `${origin(c)}/pay/${result.value.id}`, 303);
  });

  app.route("/", pages);
  return app;
}
