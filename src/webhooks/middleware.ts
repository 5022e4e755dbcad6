/** First attempts at once: after a write request succeeds, fresh deliveries go out in waitUntil. */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context";
import { deliverDue, IMMEDIATE_BOUNDS } from "./delivery";

/** The request's execution context, or null where there is none (`app.request` in tests). */
function executionContext(c: Context): ExecutionContext | null {
  try {
    return c.executionCtx;
  } catch {
    return null;
  }
}

/**
 * One central place instead of a hook in every service: any successful POST/PATCH/DELETE may have
 * written events (their deliveries are created in the same transaction by the fan-out trigger), so
 * afterwards the fresh ones are tried. Without an execution context nothing happens here and the
 * cron delivers within a tick; events written by GETs (expiry on read) also go with the cron.
 */
export const deliverAfterWrites = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.res.status >= 400) return;
  const ctx = executionContext(c);
  if (ctx === null) return;
  const { db, config, clock, random, requestId } = c.var;
  ctx.waitUntil(
    deliverDue(db, config, { nowMs: clock.nowMs(), random }, IMMEDIATE_BOUNDS).catch((error) => {
      console.error(JSON.stringify({ request_id: requestId, webhooks: "immediate", error: String(error) }));
    }),
  );
});
