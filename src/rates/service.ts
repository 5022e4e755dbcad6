/** Rate use cases: the cron's fetch (load → decide → persist), and the current rate for a request. */
import type { RatePolicy } from "../config";
import { domainError, type DomainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { err, type Result } from "../core/result";
import { type Db, runBatch } from "../db/client";
import type { Quote, Rate } from "./rate";
import { decideRate } from "./rules";
import { fixedSource, httpSource, type QuoteOutcome, type RateSource } from "./sources";
import { allQuotes, historyStatement, upsertQuoteStatement } from "./store";

/** The configured sources, built from the policy (tests pass their own fetch). */
export function rateSources(policy: RatePolicy, fetcher: typeof fetch = fetch): RateSource[] {
  return policy.sources.map((name) =>
    name === "fixed" ? fixedSource(policy.fixedPrices) : httpSource(name, policy.baseUrls[name], fetcher),
  );
}

export interface RefreshReport {
  readonly quoted: number;
  /** `source:currency:error` for each failed quote (no bodies, no URLs). */
  readonly failures: readonly string[];
  /** Currencies with a fresh rate after this refresh. */
  readonly rated: readonly string[];
}

/** Per-isolate copy of the quotes table, keyed by the D1 binding it was read from. */
const cache = new WeakMap<object, { readAtMs: number; quotes: Quote[] }>();

/**
 * One cron tick of rates: asks every source for every currency at once (each request bounded by
 * LIMITS.rateFetchTimeoutMs), then stores the new quotes and the hour's decided rates in one batch.
 * A source that fails keeps its last quote, which ages out by the staleness bound.
 */
export async function refreshRates(
  db: Db,
  policy: RatePolicy,
  nowMs: number,
  sources: readonly RateSource[] = rateSources(policy),
): Promise<RefreshReport> {
  const nowSeconds = Math.floor(nowMs / 1000);
  const [stored, outcomes] = await Promise.all([
    allQuotes(db),
    Promise.all(sources.map((s) => s.quote(policy.currencies, nowSeconds))).then((o) => o.flat()),
  ]);
  const fresh = outcomes.filter((o): o is Extract<QuoteOutcome, { ok: true }> => o.ok).map((o) => o.quote);
  const latest = new Map(stored.map((q) => [`${q.source}:${q.currency}`, q]));
  for (const q of fresh) latest.set(`${q.source}:${q.currency}`, q);
  const hourStart = nowSeconds - (nowSeconds % LIMITS.rateHistoryBucketSeconds);
  const rates = policy.currencies
    .map((c) => decideRate([...latest.values()], c, nowSeconds, policy.maxAgeSeconds))
    .flatMap((r) => (r.ok ? [r.value] : []));
  await runBatch(db, [
    ...fresh.map((q) => upsertQuoteStatement(db, q)),
    ...rates.map((r) => historyStatement(db, r, hourStart)),
  ]);
  cache.delete(db.$client);
  return {
    quoted: fresh.length,
    failures: outcomes.flatMap((o) => (o.ok ? [] : [`${o.source}:${o.currency}:${o.error}`])),
    rated: rates.map((r) => r.currency),
  };
}

/** The stored quotes, read at most once per LIMITS.rateCacheSeconds per isolate. */
async function cachedQuotes(db: Db, nowMs: number): Promise<Quote[]> {
  const hit = cache.get(db.$client);
  if (hit && nowMs - hit.readAtMs >= 0 && nowMs - hit.readAtMs < LIMITS.rateCacheSeconds * 1000)
    return hit.quotes;
  const quotes = await allQuotes(db);
  cache.set(db.$client, { readAtMs: nowMs, quotes });
  return quotes;
}

/**
 * The rate for `currency` now. A currency the hub does not price in is refused before any read;
 * no fresh quote is `rate_unavailable` (503), which only fiat prices see.
 */
export async function currentRate(
  db: Db,
  policy: RatePolicy,
  currency: string,
  nowMs: number,
): Promise<Result<Rate, DomainError>> {
  if (!policy.currencies.includes(currency)) {
    return err(
      domainError(
        "currency_not_supported",
        `this hub prices in ${policy.currencies.join(", ")}; not ${currency}`,
        "currency",
      ),
    );
  }
  const quotes = await cachedQuotes(db, nowMs);
  return decideRate(quotes, currency, Math.floor(nowMs / 1000), policy.maxAgeSeconds);
}
