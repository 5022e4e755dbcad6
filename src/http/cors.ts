/**
 * CORS for the public routes a shop's page or a browser wallet calls from another origin: the
 * checkout view the widget polls, and the payer endpoints the SDK / WebLN provider uses. Merchant
 * and operator routes stay same-origin only: `Authorization` is never an allowed header, so a
 * secret key cannot be used from a browser page at all.
 */
import { createMiddleware } from "hono/factory";
import { cors } from "hono/cors";
import type { AppEnv } from "./context";

const PUBLIC_PATHS =
  /^\/v1\/(?:node|bolt11\/decode|channels(?:\/[^/]+(?:\/(?:funding|close))?)?|payments|checkout\/[^/]+)$/;
/** LNURL-pay (LUD-06/16/21): web wallets resolve addresses and fetch invoices from their own origin. */
const LNURL_PATHS = /^\/(?:\.well-known\/lnurlp\/[^/]+|lnurlp\/[^/]+\/(?:callback|verify\/[^/]+))$/;

const allowAnyOrigin = cors({
  origin: "*",
  allowMethods: ["GET", "POST"],
  allowHeaders: ["content-type", "idempotency-key"],
  exposeHeaders: ["request-id"],
  maxAge: 600,
});

/** Applies CORS (any origin, no credentials) to the public routes only. */
export const publicCors = createMiddleware<AppEnv>(async (c, next) =>
  PUBLIC_PATHS.test(c.req.path) || LNURL_PATHS.test(c.req.path) ? allowAnyOrigin(c, next) : next(),
);
