/** Bearer authentication: merchant API keys (hashed, scoped) and the operator token. */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { constantTimeEqual } from "../core/bytes";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { hexToBytes, sha256, utf8ToBytes } from "../crypto";
import type { Scope } from "../merchants/merchant";
import { apiKeyPrefix, hashApiKey, hasScope } from "../merchants/rules";
import { isGuardAbort, type Statement } from "../db/client";
import { IsolateCache } from "../db/isolate-cache";
import { activeKeysByPrefix, keyUnchangedStatement } from "../merchants/store";
import type { MerchantFiat } from "../rates/rate";
import type { AppEnv, Principal } from "./context";
import { fail } from "./errors";

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

type MerchantPrincipal = Extract<Principal, { kind: "merchant" }>;

/**
 * Keys this isolate has authenticated, by the SHA-256 of the secret. Only routes whose one write
 * batch re-checks the key (confirmedWrite) trust an entry.
 */
const rememberedKeys = new IsolateCache<MerchantPrincipal>(LIMITS.apiKeysPerIsolate);

const invalidKey = () => domainError("invalid_api_key", "the API key is not valid or has been revoked");

/** The presented key's lookup prefix and hash, or the 401 for a missing or malformed one. */
function presentedKey(c: Context<AppEnv>): { prefix: string; hash: string } | Response {
  const secret = bearer(c.req.header("authorization"));
  if (secret === null) {
    return fail(c, domainError("missing_api_key", "send your secret key as 'Authorization: Bearer sk_…'"));
  }
  const prefix = apiKeyPrefix(secret);
  return prefix === null ? fail(c, invalidKey()) : { prefix, hash: hashApiKey(secret) };
}

/** Looks the presented key up in D1 (and remembers it): the principal, or the 401/403 to send. */
async function authenticate(
  c: Context<AppEnv>,
  scope: Scope,
  presented: { prefix: string; hash: string },
): Promise<MerchantPrincipal | Response> {
  const keys = rememberedKeys.of(c.var.db);
  const hash = hexToBytes(presented.hash);
  const candidates = await activeKeysByPrefix(c.var.db, presented.prefix);
  const key = candidates.find((k) => constantTimeEqual(hexToBytes(k.keyHash), hash));
  if (!key) {
    keys.delete(presented.hash);
    return fail(c, invalidKey());
  }
  const principal: MerchantPrincipal = {
    kind: "merchant",
    merchantId: key.merchantId,
    keyId: key.id,
    scopes: key.scopes,
    fiat: key.fiat,
  };
  rememberedKeys.set(c.var.db, presented.hash, principal);
  if (!hasScope(key.scopes, scope)) {
    return fail(c, domainError("insufficient_scope", `this API key lacks the '${scope}' scope`));
  }
  return principal;
}

/**
 * Requires a merchant API key holding `scope`; sets the principal. Every request reads the key
 * from D1, unless `confirmedByWrite`: then a key this isolate has already authenticated for that
 * scope is taken from memory, and the route must write through confirmedWrite, whose batch
 * re-checks it (one round trip in all). Any refusal is decided on what D1 holds now.
 */
export const merchantAuth = (scope: Scope, options: { confirmedByWrite?: boolean } = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const presented = presentedKey(c);
    if (presented instanceof Response) return presented;
    const known = options.confirmedByWrite ? rememberedKeys.of(c.var.db).get(presented.hash) : undefined;
    const principal =
      known && hasScope(known.scopes, scope) ? known : await authenticate(c, scope, presented);
    if (principal instanceof Response) return principal;
    c.set("principal", principal);
    await next();
  });

/**
 * Runs a route's write with the principal and a guard statement its batch must include (see
 * keyUnchangedStatement). When the guard aborts the batch, the key was revoked or its merchant's
 * fiat settings changed since it was read: it is looked up again, and a revoked key gets the same
 * 401 merchantAuth gives; otherwise the write runs once more with what D1 holds now.
 */
export async function confirmedWrite<T>(
  c: Context<AppEnv>,
  scope: Scope,
  write: (principal: MerchantPrincipal, guard: Statement) => Promise<T>,
): Promise<T | Response> {
  const guarded = (p: MerchantPrincipal) => write(p, keyUnchangedStatement(c.var.db, p.keyId, p.fiat));
  const principal = c.var.principal;
  if (principal?.kind !== "merchant")
    throw new Error("confirmedWrite() used on a route without merchantAuth");
  try {
    return await guarded(principal);
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
    const presented = presentedKey(c);
    const fresh = presented instanceof Response ? presented : await authenticate(c, scope, presented);
    if (fresh instanceof Response) return fresh;
    c.set("principal", fresh);
    return guarded(fresh);
  }
}

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
