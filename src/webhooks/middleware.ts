/** First attempts at once: after a request that wrote events succeeds, they go out in waitUntil. */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { outboxWritten } from "../events/store";
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
 * One central place instead of a hook in every service: a successful request that wrote events
 * (their deliveries are queued in the same transaction by the fan-out trigger) or redelivered one
 * is followed by an attempt at the fresh deliveries. The outbox store notes such writes on the
 * request's handle, so other requests cost nothing here. Without an execution context nothing
 * happens and the cron delivers within a tick.
 */
export const deliverAfterWrites = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status >= 400 || !outboxWritten(c.var.db)) return;
  const ctx = executionContext(c);
  if (ctx === null) return;
  const { db, config, clock, random, requestId } = c.var;
  ctx.waitUntil(
    deliverDue(db, config, { nowMs: clock.nowMs(), random }, IMMEDIATE_BOUNDS).catch((error) => {
      console.error(JSON.stringify({ request_id: requestId, webhooks: "immediate", error: String(error) }));
    }),
  );
});
