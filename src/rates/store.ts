/** The only module that reads and writes exchange rates (latest quotes, the hourly history). */
import { type Db, rawStatement, type Statement } from "../db/client";
import type { Quote, Rate } from "./rate";

/** Every source's latest quote for every currency: at most sources × currencies rows. */
export async function allQuotes(db: Db): Promise<Quote[]> {
  const { results } = await db.$client
    .prepare("SELECT source, currency, btc_price_minor, fetched_at FROM rate_quotes")
    .all<{ source: string; currency: string; btc_price_minor: number; fetched_at: number }>();
  return results.map((r) => ({
    source: r.source,
    currency: r.currency,
    btcPriceMinor: BigInt(r.btc_price_minor),
    fetchedAt: r.fetched_at,
  }));
}

/** Stores a source's quote as its latest, unless a newer one is already there (overlapping ticks). */
export const upsertQuoteStatement = (db: Db, q: Quote): Statement =>
  rawStatement(
    db,
    `INSERT INTO rate_quotes (source, currency, btc_price_minor, fetched_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (source, currency) DO UPDATE SET btc_price_minor = excluded.btc_price_minor,
       fetched_at = excluded.fetched_at WHERE excluded.fetched_at >= rate_quotes.fetched_at`,
    q.source,
    q.currency,
    Number(q.btcPriceMinor),
    q.fetchedAt,
  );

/** Records the hour's rate for a currency: the first one decided in that hour stays. */
export const historyStatement = (db: Db, rate: Rate, hourStart: number): Statement =>
  rawStatement(
    db,
    "INSERT OR IGNORE INTO rate_history (currency, hour_start, btc_price_minor, source, fetched_at) VALUES (?, ?, ?, ?, ?)",
    rate.currency,
    hourStart,
    Number(rate.btcPriceMinor),
    rate.source,
    rate.fetchedAt,
  );
