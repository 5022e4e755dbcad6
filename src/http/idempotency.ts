/** `Idempotency-Key` on POSTs: same key + same request → same success; different request → 422. */
import { createMiddleware } from "hono/factory";
import { unixSeconds } from "../core/clock";
import { LIMITS } from "../core/limits";
import { bytesToHex, sha256, utf8ToBytes } from "../crypto";
import { decideOnExisting, parseIdempotencyKey } from "../idempotency/rules";
import { claimKey, completeKey, getKey, type KeyRef, releaseKey, takeOverKey } from "../idempotency/store";
import type { AppEnv } from "./context";
import { fail } from "./errors";

/** Makes POSTs behind it idempotent per caller (merchant, operator, or public). */
export const idempotent = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("idempotency-key");
  if (header === undefined) return next();
  const parsed = parseIdempotencyKey(header);
  if (!parsed.ok) return fail(c, parsed.error);
  const principal = c.var.principal;
  const scope =
    principal?.kind === "merchant"
      ? principal.merchantId
      : principal?.kind === "operator"
        ? "operator"
        : "public";
  const ref: KeyRef = { scope, key: parsed.value };
  const fingerprint = bytesToHex(
    sha256(utf8ToBytes(`${c.req.method} ${c.req.path}\n${c.var.rawBody ?? ""}`)),
  );
  const now = unixSeconds(c.var.clock);
  const db = c.var.db;

  if (!(await claimKey(db, ref, fingerprint, now, LIMITS.idempotencyLockSeconds))) {
    const stored = await getKey(db, ref);
    // Purged between our insert and read: treat like a conflict the client can retry.
    if (stored === null) return fail(c, { code: "idempotency_in_progress", message: "retry the request" });
    const decision = decideOnExisting(stored, fingerprint, now);
    if (!decision.ok) return fail(c, decision.error);
    if (decision.value.kind === "replay") {
      return c.body(decision.value.body, decision.value.statusCode as 200, {
        "content-type": "application/json",
        "idempotent-replayed": "true",
      });
    }
    if (!(await takeOverKey(db, ref, now, LIMITS.idempotencyLockSeconds))) {
      return fail(c, { code: "idempotency_in_progress", message: "a request with this key is in progress" });
    }
  }

  try {
    await next();
  } catch (error) {
    await releaseKey(db, ref);
    throw error;
  }
  // Only successes are kept (as Stripe does): a rejected request changed nothing, so its key
  // is freed and a corrected retry with the same key runs normally.
  if (c.res.status >= 300) {
    await releaseKey(db, ref);
    return;
  }
  await completeKey(db, ref, c.res.status, await c.res.clone().text());
});
