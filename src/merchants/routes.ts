/** Operator routes (merchants, their keys) and merchant self-service key routes. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { merchantAuth, merchantId, operatorAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { idempotent } from "../http/idempotency";
import {
  bearerSecurity,
  errorResponses,
  IdParam,
  jsonRequest,
  jsonResponse,
  listOf,
  renderList,
} from "../http/schemas";
import { validationHook } from "../http/validation";
import { type Merchant, SCOPES, type Scope } from "./merchant";
import { hasScope, payoutScript } from "./rules";
import {
  ApiKeySchema,
  CreateApiKeyBody,
  CreateMerchantBody,
  ListApiKeysQuery,
  MerchantSchema,
  UpdateMerchantBody,
  UpdatePayoutSettingsBody,
  NewApiKeySchema,
  NewMerchantSchema,
} from "./schemas";
import { addApiKey, createMerchant, revokeKey } from "./service";
import { getMerchant, listApiKeys, updateMerchant } from "./store";
import { renderApiKey, renderMerchant, renderNewApiKey } from "./view";

const KeyParams = z.object({ id: z.string().min(1).max(64), key_id: z.string().min(1).max(64) });
const admin = ["Operator"];
const keys = ["API keys"];

const createMerchantRoute = createRoute({
  method: "post",
  path: "/v1/admin/merchants",
  tags: admin,
  summary: "Create a merchant and its first secret key",
  security: bearerSecurity,
  middleware: [operatorAuth, idempotent] as const,
  request: jsonRequest(CreateMerchantBody),
  responses: {
    201: jsonResponse(NewMerchantSchema, "The merchant and its key (secret shown once)"),
    ...errorResponses(400, 401, 413, 422),
  },
});

const updateMerchantRoute = createRoute({
  method: "patch",
  path: "/v1/admin/merchants/{id}",
  tags: admin,
  summary: "Rename a merchant or set its fee overrides",
  security: bearerSecurity,
  middleware: [operatorAuth] as const,
  request: { params: IdParam, ...jsonRequest(UpdateMerchantBody) },
  responses: { 200: jsonResponse(MerchantSchema, "The merchant"), ...errorResponses(400, 401, 404) },
});

const adminListKeys = createRoute({
  method: "get",
  path: "/v1/admin/merchants/{id}/api-keys",
  tags: admin,
  summary: "List a merchant's API keys (prefixes only)",
  security: bearerSecurity,
  middleware: [operatorAuth] as const,
  request: { params: IdParam, query: ListApiKeysQuery },
  responses: {
    200: jsonResponse(listOf(ApiKeySchema, "ApiKeyList"), "A page of keys"),
    ...errorResponses(400, 401),
  },
});

const adminCreateKey = createRoute({
  method: "post",
  path: "/v1/admin/merchants/{id}/api-keys",
  tags: admin,
  summary: "Create another key for a merchant",
  security: bearerSecurity,
  middleware: [operatorAuth, idempotent] as const,
  request: { params: IdParam, ...jsonRequest(CreateApiKeyBody) },
  responses: {
    201: jsonResponse(NewApiKeySchema, "The key (secret shown once)"),
    ...errorResponses(400, 401, 404, 422),
  },
});

const adminRevokeKey = createRoute({
  method: "delete",
  path: "/v1/admin/merchants/{id}/api-keys/{key_id}",
  tags: admin,
  summary: "Revoke a merchant's key",
  security: bearerSecurity,
  middleware: [operatorAuth] as const,
  request: { params: KeyParams },
  responses: { 200: jsonResponse(ApiKeySchema, "The revoked key"), ...errorResponses(401, 404) },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: keys,
  summary: "List your API keys (prefixes only)",
  security: bearerSecurity,
  middleware: [merchantAuth("api_keys:read")] as const,
  request: { query: ListApiKeysQuery },
  responses: {
    200: jsonResponse(listOf(ApiKeySchema, "ApiKeyList"), "A page of keys"),
    ...errorResponses(400, 401, 403),
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: keys,
  summary: "Create a key with at most the scopes of the calling key",
  security: bearerSecurity,
  middleware: [merchantAuth("api_keys:write"), idempotent] as const,
  request: jsonRequest(CreateApiKeyBody),
  responses: {
    201: jsonResponse(NewApiKeySchema, "The key (secret shown once)"),
    ...errorResponses(400, 401, 403, 422),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: keys,
  summary: "Revoke one of your keys",
  security: bearerSecurity,
  middleware: [merchantAuth("api_keys:write")] as const,
  request: { params: IdParam },
  responses: { 200: jsonResponse(ApiKeySchema, "The revoked key"), ...errorResponses(401, 403, 404) },
});

const getSelfRoute = createRoute({
  method: "get",
  path: "/v1/merchant",
  tags: ["Merchant"],
  summary: "Your merchant account: fee policy and payout settings",
  security: bearerSecurity,
  middleware: [merchantAuth("account:read")] as const,
  responses: { 200: jsonResponse(MerchantSchema, "Your account"), ...errorResponses(401, 403) },
});

const updateSelfRoute = createRoute({
  method: "patch",
  path: "/v1/merchant",
  tags: ["Merchant"],
  summary:
    "Set where settlement pays you (payout address), from what balance (threshold), your display currency and fiat spread",
  security: bearerSecurity,
  middleware: [merchantAuth("account:write")] as const,
  request: jsonRequest(UpdatePayoutSettingsBody),
  responses: { 200: jsonResponse(MerchantSchema, "Your account"), ...errorResponses(400, 401, 403, 413) },
});

const at = (c: { var: AppEnv["Variables"] }) => ({ nowMs: c.var.clock.nowMs(), random: c.var.random });

const view = (c: { var: AppEnv["Variables"] }, merchant: Merchant) =>
  renderMerchant(merchant, c.var.config.network, c.var.config.settlement.defaultPayoutThresholdMsat);

/** Mounts operator and key-management routes. */
export function merchantRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createMerchantRoute, async (c) => {
    const { name, scopes } = c.req.valid("json");
    const { merchant, key } = await createMerchant(c.var.db, name, scopes ?? SCOPES, at(c));
    return c.json({ merchant: view(c, merchant), api_key: renderNewApiKey(key) }, 201);
  });

  app.openapi(updateMerchantRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const merchant = await updateMerchant(c.var.db, id, {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.fee_base_msat === undefined ? {} : { feeBaseMsat: body.fee_base_msat }),
      ...(body.fee_ppm === undefined ? {} : { feePpm: body.fee_ppm }),
    });
    if (!merchant) return fail(c, domainError("merchant_not_found", `no merchant '${id}'`, "id")) as never;
    return c.json(view(c, merchant), 200);
  });

  app.openapi(getSelfRoute, async (c) => {
    const merchant = await getMerchant(c.var.db, merchantId(c.var.principal));
    if (!merchant) throw new Error("an authenticated merchant has no row");
    return c.json(view(c, merchant), 200);
  });

  app.openapi(updateSelfRoute, async (c) => {
    const body = c.req.valid("json");
    let payoutScriptPubkey: string | null | undefined;
    if (body.payout_address !== undefined) {
      const script =
        body.payout_address === null ? null : payoutScript(body.payout_address, c.var.config.network);
      if (script === undefined) {
        return fail(
          c,
          domainError(
            "invalid_payout_address",
            `payout_address must be a P2WPKH, P2WSH or P2TR address of ${c.var.config.network}`,
            "payout_address",
          ),
        ) as never;
      }
      payoutScriptPubkey = script;
    }
    const display = body.display_currency;
    if (display && !c.var.config.rates.currencies.includes(display)) {
      return fail(
        c,
        domainError(
          "currency_not_supported",
          `this hub prices in ${c.var.config.rates.currencies.join(", ")}; not ${display}`,
          "display_currency",
        ),
      ) as never;
    }
    const merchant = await updateMerchant(c.var.db, merchantId(c.var.principal), {
      ...(display === undefined ? {} : { displayCurrency: display }),
      ...(body.rate_spread_ppm === undefined ? {} : { rateSpreadPpm: body.rate_spread_ppm }),
      ...(payoutScriptPubkey === undefined ? {} : { payoutScriptPubkey }),
      ...(body.payout_threshold_msat === undefined
        ? {}
        : { payoutThresholdMsat: body.payout_threshold_msat }),
    });
    if (!merchant) throw new Error("an authenticated merchant has no row");
    return c.json(view(c, merchant), 200);
  });

  app.openapi(adminListKeys, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listApiKeys(c.var.db, id, { limit, startingAfter: query.starting_after });
    return c.json(renderList(rows, limit, renderApiKey), 200);
  });

  app.openapi(adminCreateKey, async (c) => {
    const { id } = c.req.valid("param");
    const { scopes, label } = c.req.valid("json");
    const result = await addApiKey(c.var.db, id, scopes ?? SCOPES, label ?? null, at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderNewApiKey(result.value), 201);
  });

  app.openapi(adminRevokeKey, async (c) => {
    const { id, key_id } = c.req.valid("param");
    const result = await revokeKey(c.var.db, id, key_id, at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderApiKey(result.value), 200);
  });

  app.openapi(listKeysRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listApiKeys(c.var.db, merchantId(c.var.principal), {
      limit,
      startingAfter: query.starting_after,
    });
    return c.json(renderList(rows, limit, renderApiKey), 200);
  });

  app.openapi(createKeyRoute, async (c) => {
    const { scopes, label } = c.req.valid("json");
    const principal = c.var.principal;
    const granted: readonly Scope[] = principal?.kind === "merchant" ? principal.scopes : [];
    const wanted = scopes ?? granted;
    const excess = wanted.find((s) => !hasScope(granted, s));
    if (excess) {
      return fail(
        c,
        domainError("insufficient_scope", `the calling key cannot grant '${excess}'`, "scopes"),
      ) as never;
    }
    const result = await addApiKey(c.var.db, merchantId(principal), wanted, label ?? null, at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderNewApiKey(result.value), 201);
  });

  app.openapi(revokeKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const result = await revokeKey(c.var.db, merchantId(c.var.principal), id, at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderApiKey(result.value), 200);
  });

  return app;
}
