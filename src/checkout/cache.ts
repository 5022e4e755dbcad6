/**
 * The checkout view's read path: however many shoppers poll an invoice, it costs at most one D1
 * read per second. Two tiers, each serving a view only while its D1 read is younger than
 * LIMITS.checkoutCacheSeconds:
 * - this isolate's memory: concurrent misses share one read, so an expiring entry brings no herd;
 * - the Workers Cache API (`caches.default`, one per data center, shared by its isolates).
 * A status change (paid, canceled, expired) purges both, in this isolate and data center, once its
 * batch has run (purgeChangedCheckouts). Other isolates and data centers hold a view at most that
 * second, so a payment shows within the widget's poll interval plus one second (< 2 s).
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { unixSeconds } from "../core/clock";
import { LIMITS } from "../core/limits";
import { IsolateCache } from "../db/isolate-cache";
import type { AppEnv } from "../http/context";
import { statusChangedInvoices } from "../invoices/store";
import { getCheckoutInvoice } from "./store";
import { type CheckoutView, renderCheckout, viewAt } from "./view";

/** A view as read from D1, with when (wall clock, ms) that read started. */
interface Cached {
  readonly readAtMs: number;
  readonly view: CheckoutView;
}

/** A read this isolate holds: in flight, or settled and younger than the bound. */
interface Held {
  readAtMs: number;
  readonly pending: Promise<Cached | null>;
}

const TTL_MS = LIMITS.checkoutCacheSeconds * 1000;

/** This isolate's views, per D1 binding. */
const memory = new IsolateCache<Held>(LIMITS.checkoutViewsPerIsolate);

const fresh = (readAtMs: number, nowMs: number) => nowMs - readAtMs < TTL_MS;

/** The Cache API key of an invoice's view: the hub's public origin, so every hostname shares it. */
const cacheKey = (c: Context<AppEnv>, id: string) =>
  `${c.var.config.publicUrl ?? new URL(c.req.url).origin}/v1/checkout/${encodeURIComponent(id)}`;

/** `caches.default` where the runtime has one (workerd and Cloudflare do). */
const edgeCache = (): Cache | null => (typeof caches === "undefined" ? null : caches.default);

/** From the data center's cache if fresh there, else from D1 (then stored there for the second). */
async function load(c: Context<AppEnv>, id: string): Promise<Cached | null> {
  const cache = edgeCache();
  const key = cacheKey(c, id);
  const hit = await cache?.match(key);
  if (hit) {
    const cached = (await hit.json()) as Cached;
    if (fresh(cached.readAtMs, Date.now())) return cached;
  }
  const readAtMs = Date.now();
  const found = await getCheckoutInvoice(c.var.db, id);
  if (!found) return null;
  const cached: Cached = { readAtMs, view: renderCheckout(found, unixSeconds(c.var.clock)) };
  await cache?.put(
    key,
    new Response(JSON.stringify(cached), {
      headers: {
        "content-type": "application/json",
        "cache-control": `max-age=${LIMITS.checkoutCacheSeconds}`,
      },
    }),
  );
  return cached;
}

/** Keeps the read alive for the isolate's other waiters even if this request's client goes away. */
function keepAlive(c: Context<AppEnv>, pending: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(pending.catch(() => undefined));
  } catch {
    // No execution context (app.request in tests): the caller awaits the read itself.
  }
}

/** The public view of invoice `id` as at now, or null when there is no such invoice. */
export async function cachedCheckoutView(c: Context<AppEnv>, id: string): Promise<CheckoutView | null> {
  const held = memory.of(c.var.db);
  let entry = held.get(id);
  if (!entry || !fresh(entry.readAtMs, Date.now())) {
    const next: Held = { readAtMs: Date.now(), pending: load(c, id) };
    entry = next;
    memory.set(c.var.db, id, next);
    keepAlive(c, next.pending);
    next.pending.then(
      (cached) => {
        if (cached) next.readAtMs = cached.readAtMs;
        else if (held.get(id) === next) held.delete(id);
      },
      () => {
        if (held.get(id) === next) held.delete(id);
      },
    );
  }
  const cached = await entry.pending;
  return cached ? viewAt(cached.view, unixSeconds(c.var.clock)) : null;
}

/**
 * After a request whose handle prepared invoice status changes: drops those invoices' views here
 * and in this data center's cache, so the next poll reads D1 (a batch that aborted costs one read).
 */
export const purgeChangedCheckouts = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const ids = statusChangedInvoices(c.var.db);
  if (ids.length === 0) return;
  const held = memory.of(c.var.db);
  for (const id of ids) held.delete(id);
  const cache = edgeCache();
  if (cache) await Promise.all(ids.map((id) => cache.delete(cacheKey(c, id))));
});
