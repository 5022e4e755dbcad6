/** Payment routes: the payer pays (public, authenticated by the state signature); merchants read. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { merchantAuth, merchantId } from "../http/auth";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { bearerSecurity, errorResponses, jsonRequest, jsonResponse, renderList } from "../http/schemas";
import { merchantGetRoute, merchantListRoute } from "../http/routes";
import { validationHook } from "../http/validation";
import { account } from "../ledger/ledger";
import { balanceOf } from "../ledger/store";
import { getMerchant } from "../merchants/store";
import { valueAt } from "../rates/rules";
import { currentRate } from "../rates/service";
import { renderFiatValue } from "../rates/view";
import { merchantFees } from "./rules";
import {
  BalanceSchema,
  ListPaymentsQuery,
  PaymentResultSchema,
  PaymentSchema,
  PayBody,
  RefundBody,
  RefundSchema,
} from "./schemas";
import { pay, refundPayment } from "./service";
import { fiatTotals, getPayment, listPayments, merchantTotals } from "./store";
import { renderMerchantPayment, renderPaymentResult } from "./view";

const payRoute = createRoute({
  method: "post",
  path: "/v1/payments",
  tags: ["Payments"],
  summary: "Pay an invoice with the next signed channel state",
  middleware: [idempotent] as const,
  request: jsonRequest(PayBody),
  responses: {
    200: jsonResponse(PaymentResultSchema, "The same signed state again: the payment it already made"),
    201: jsonResponse(PaymentResultSchema, "Paid: preimage, new channel state, signed receipt"),
    ...errorResponses(400, 404, 409, 410, 413, 422),
  },
});

const listRoute = merchantListRoute({
  path: "/v1/payments",
  tag: "Payments",
  scope: "payments:read",
  summary: "List your payments, newest first",
  item: PaymentSchema,
  query: ListPaymentsQuery,
  listName: "PaymentList",
  plural: "payments",
});

const getRoute = merchantGetRoute({
  path: "/v1/payments/{id}",
  tag: "Payments",
  scope: "payments:read",
  summary: "Retrieve a payment",
  item: PaymentSchema,
  noun: "payment",
});

const balanceRoute = createRoute({
  method: "get",
  path: "/v1/balance",
  tags: ["Payments"],
  summary: "Your balance with the hub, from the ledger",
  security: bearerSecurity,
  middleware: [merchantAuth("payments:read")] as const,
  responses: { 200: jsonResponse(BalanceSchema, "Balance and totals"), ...errorResponses(401, 403) },
});

const refundRoute = createRoute({
  method: "post",
  path: "/v1/refunds",
  tags: ["Payments"],
  summary: "Refund all or part of a payment (the hub pays it to the payer at settlement)",
  security: bearerSecurity,
  middleware: [merchantAuth("refunds:write"), idempotent] as const,
  request: jsonRequest(RefundBody),
  responses: {
    201: jsonResponse(RefundSchema, "The refund"),
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

const at = (c: { var: AppEnv["Variables"] }) => ({ nowMs: c.var.clock.nowMs(), random: c.var.random });

/** Mounts payment, balance and refund routes. */
export function paymentRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(payRoute, async (c) => {
    const body = c.req.valid("json");
    const result = await pay(
      c.var.db,
      c.var.config,
      {
        bolt11: body.invoice,
        channelId: body.channel_id,
        seq: body.seq,
        payerBalanceMsat: BigInt(body.payer_balance_msat),
        sighashType: body.sighash_type,
        signature: body.signature,
      },
      { ...at(c), ecdsa: c.var.ecdsa },
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(
      renderPaymentResult(result.value.payment, result.value.invoice),
      result.value.replay ? 200 : 201,
    );
  });

  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listPayments(c.var.db, merchantId(c.var.principal), {
      limit,
      startingAfter: query.starting_after,
    });
    return c.json(renderList(rows, limit, renderMerchantPayment), 200);
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const payment = await getPayment(c.var.db, merchantId(c.var.principal), id);
    if (!payment) return fail(c, domainError("payment_not_found", `no payment '${id}'`, "id")) as never;
    return c.json(renderMerchantPayment(payment), 200);
  });

  app.openapi(balanceRoute, async (c) => {
    const id = merchantId(c.var.principal);
    const [available, totals, merchant, fiat] = await Promise.all([
      balanceOf(c.var.db, account.merchant(id)),
      merchantTotals(c.var.db, id),
      getMerchant(c.var.db, id),
      fiatTotals(c.var.db, id),
    ]);
    const fees = merchantFees(merchant ?? { feeBaseMsat: null, feePpm: null }, c.var.config.fees);
    // What the balance is worth today in the display currency (an annotation: it is owed in msat).
    const display = merchant?.displayCurrency;
    const rate = display
      ? await currentRate(c.var.db, c.var.config.rates, display, c.var.clock.nowMs())
      : null;
    return c.json(
      {
        object: "balance" as const,
        available_msat: Number(available),
        gross_msat: Number(totals.grossMsat),
        fees_msat: Number(totals.feesMsat),
        refunded_msat: Number(totals.refundedMsat),
        payment_count: totals.count,
        fee_policy: { base_msat: Number(fees.baseMsat), ppm: Number(fees.ppm) },
        available_fiat: rate?.ok ? renderFiatValue(valueAt(available, rate.value)) : null,
        fiat_totals: fiat.map((t) => ({
          currency: t.currency,
          gross_minor: Number(t.grossMinor),
          refunded_minor: Number(t.refundedMinor),
          payment_count: t.paymentCount,
        })),
      },
      200,
    );
  });

  app.openapi(refundRoute, async (c) => {
    const body = c.req.valid("json");
    const result = await refundPayment(
      c.var.db,
      merchantId(c.var.principal),
      {
        paymentId: body.payment_id,
        reason: body.reason ?? null,
        ...(body.fiat
          ? { fiat: { amountMinor: BigInt(body.fiat.amount_minor), basis: body.fiat.rate } }
          : { amountMsat: body.amount_msat === undefined ? null : BigInt(body.amount_msat) }),
      },
      { ...at(c), rates: c.var.config.rates },
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(result.value, 201);
  });

  return app;
}
