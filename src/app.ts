/** Builds the Hono app from its parts: context, middleware, routes, docs, error mapping. */
import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { bitcoindRpc } from "./chain/backends/bitcoind-rpc";
import { nobleEcdsa } from "./chain/signature";
import { channelRoutes } from "./channels/routes";
import { refundRelayRoutes } from "./channels/refund";
import { purgeChangedCheckouts } from "./checkout/cache";
import { checkoutRoutes } from "./checkout/routes";
import { loadConfig } from "./config";
import { domainError } from "./core/errors";
import { openDb } from "./db/client";
import { devRoutes } from "./dev/routes";
import type { AppDeps, AppEnv } from "./http/context";
import { publicCors } from "./http/cors";
import { fail } from "./http/errors";
import { jsonBody, requestLog } from "./http/middleware";
import { validationHook } from "./http/validation";
import { invoiceRoutes } from "./invoices/routes";
import { ledgerRoutes } from "./ledger/routes";
import { linkRoutes } from "./links/routes";
import { lnurlRoutes } from "./lnurl/routes";
import { merchantRoutes } from "./merchants/routes";
import { publicRoutes } from "./node/routes";
import { paymentRoutes } from "./payments/routes";
import { reportRoutes } from "./reports/routes";
import { settlementRoutes } from "./settlement/routes";
import { walletRoutes } from "./wallet/routes";
import { deliverAfterWrites } from "./webhooks/middleware";
import { webhookRoutes } from "./webhooks/routes";

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Sluice API",
    version: "1.0.0",
    description:
      "Layer-2 payment hub: BOLT11 invoices for merchants, paid off-chain from payment channels, settled on Bitcoin in batches. Amounts are integer millisatoshi.",
  },
} as const;

/** The app with its dependencies; the Worker passes the system clock, tests their own. */
export function buildApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", async (c, next) => {
    c.set("clock", deps.clock);
    c.set("random", deps.random);
    c.set("ecdsa", deps.ecdsa ?? nobleEcdsa);
    const config = loadConfig(c.env);
    c.set("config", config);
    c.set("db", openDb(c.env.DB));
    c.set("chain", config.rpc ? bitcoindRpc(config.rpc) : null);
    await next();
  });
  app.use("*", requestLog);
  app.use("*", publicCors);
  app.use("*", jsonBody);
  app.use("*", deliverAfterWrites);
  app.use("*", purgeChangedCheckouts);

  app.route("/", publicRoutes());
  app.route("/", invoiceRoutes());
  app.route("/", merchantRoutes());
  app.route("/", channelRoutes());
  app.route("/", paymentRoutes());
  app.route("/", ledgerRoutes());
  app.route("/", settlementRoutes());
  app.route("/", checkoutRoutes());
  app.route("/", webhookRoutes());
  app.route("/", refundRelayRoutes());
  app.route("/", devRoutes());
  app.route("/", walletRoutes());
  app.route("/", lnurlRoutes());
  app.route("/", linkRoutes());
  app.route("/", reportRoutes());

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "Merchant secret key `sk_…`, or the operator token for /v1/admin",
  });
  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));
  app.get("/docs", swaggerUI({ url: "/openapi.json" }));

  app.notFound((c) => fail(c, domainError("route_not_found", `no route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status === 400) {
      return fail(c, domainError("invalid_json", "the request body is not valid JSON"));
    }
    // A 5xx is a bug: log what happened (never request bodies or headers) and say little.
    console.error(
      JSON.stringify({ request_id: c.var.requestId, error: String(error), stack: (error as Error).stack }),
    );
    return c.json(
      {
        error: {
          type: "api_error",
          code: "internal_error",
          message: `internal error; request ${c.var.requestId}`,
        },
      },
      500,
    );
  });
  return app;
}

/** The OpenAPI 3.1 document, as committed in openapi/openapi.json. */
export function openApiDocument(app: ReturnType<typeof buildApp>) {
  return app.getOpenAPI31Document(OPENAPI_INFO);
}
