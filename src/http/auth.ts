/** Bearer authentication: merchant API keys (hashed, scoped) and the operator token. */
import { createMiddleware } from "hono/factory";
import { constantTimeEqual } from "../core/bytes";
import { domainError } from "../core/errors";
import { hexToBytes, sha256, utf8ToBytes } from "../crypto";
import type { Scope } from "../merchants/merchant";
import { apiKeyPrefix, hashApiKey, hasScope } from "../merchants/rules";
import { activeKeysByPrefix } from "../merchants/store";
import type { MerchantFiat } from "../rates/rate";
import type { AppEnv } from "./context";
import { fail } from "./errors";

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/** Requires a merchant API key holding `scope`; sets the principal. */
export const merchantAuth = (scope: Scope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const secret = bearer(c.req.header("authorization"));
    if (secret === null) {
      return fail(c, domainError("missing_api_key", "send your secret key as 'Authorization: Bearer sk_…'"));
    }
    const invalid = domainError("invalid_api_key", "the API key is not valid or has been revoked");
    const prefix = apiKeyPrefix(secret);
    if (prefix === null) return fail(c, invalid);
    const presented = hexToBytes(hashApiKey(secret));
    const candidates = await activeKeysByPrefix(c.var.db, prefix);
    const key = candidates.find((k) => constantTimeEqual(hexToBytes(k.keyHash), presented));
    if (!key) return fail(c, invalid);
    if (!hasScope(key.scopes, scope)) {
      return fail(c, domainError("insufficient_scope", `this API key lacks the '${scope}' scope`));
    }
    c.set("principal", {
      kind: "merchant",
      merchantId: key.merchantId,
      keyId: key.id,
      scopes: key.scopes,
      fiat: key.fiat,
    });
    await next();
  });

/** Requires the OPERATOR_TOKEN secret. */
export const operatorAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  const expected = c.var.config.operatorTokenHash;
  if (token === null || expected === null || !constantTimeEqual(sha256(utf8ToBytes(token)), expected)) {
    return fail(
      c,
      domainError(
        "invalid_operator_token",
        "operator endpoints need 'Authorization: Bearer <OPERATOR_TOKEN>'",
      ),
    );
  }
  c.set("principal", { kind: "operator" });
  await next();
});

/** The calling merchant's fiat settings (display currency, spread); only valid behind merchantAuth. */
export function merchantFiat(principal: AppEnv["Variables"]["principal"]): MerchantFiat {
  if (principal?.kind !== "merchant") throw new Error("merchantFiat() used on a route without merchantAuth");
  return principal.fiat;
}

/** The calling merchant's id; only valid behind merchantAuth. */
export function merchantId(principal: AppEnv["Variables"]["principal"]): string {
  if (principal?.kind !== "merchant") throw new Error("merchantId() used on a route without merchantAuth");
  return principal.merchantId;
}
