/**
 * Rate sources. Each real provider is a public, unauthenticated HTTP endpoint with its own documented
 * response format, parsed here by its own function; base URLs are configuration (tests point them at
 * local servers that answer in each format). The fixed source is for regtest and development.
 */
import { minorUnitExponent, parseDecimalToMinor } from "../core/currency";
import { LIMITS } from "../core/limits";
import type { Quote, RateSourceName } from "./rate";

/** What one source answered for one currency: a price (decimal text) and its own time, if it gives one. */
export interface ParsedTicker {
  readonly price: string;
  readonly atSeconds: number | null;
}

/** How one currency's quote went, for the cron's report (never a response body). */
export type QuoteOutcome =
  | { readonly ok: true; readonly quote: Quote }
  | {
      readonly ok: false;
      readonly source: string;
      readonly currency: string;
      readonly error: "http_status" | "timeout" | "network" | "too_large" | "garbage";
    };

/** A source of BTC prices. */
export interface RateSource {
  readonly name: RateSourceName;
  /** One outcome per currency this source quotes (those it does not quote are skipped). */
  quote(currencies: readonly string[], nowSeconds: number): Promise<QuoteOutcome[]>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Kraken public Ticker, `GET /0/public/Ticker?pair=XBT<CUR>` (docs.kraken.com, "Get Ticker
 * Information"): `{"error": [], "result": {"XXBTZUSD": {"c": ["<last trade price>", "<lot volume>"], …}}}`.
 * The result key is Kraken's pair name (XXBTZUSD, XBTCHF…); it must end in the currency asked for.
 * No timestamp in the answer: it is as current as the fetch.
 */
export function parseKrakenTicker(body: unknown, currency: string): ParsedTicker | null {
  if (!isObject(body) || !Array.isArray(body.error) || body.error.length > 0 || !isObject(body.result))
    return null;
  const entries = Object.entries(body.result);
  if (entries.length !== 1) return null;
  const [pair, ticker] = entries[0]!;
  if (!pair.endsWith(currency) || !/^X?XBTZ?[A-Z]{3}$/.test(pair) || !isObject(ticker)) return null;
  const last = ticker.c;
  if (!Array.isArray(last) || typeof last[0] !== "string") return null;
  return { price: last[0], atSeconds: null };
}

/**
 * Coinbase spot price, `GET /v2/prices/BTC-<CUR>/spot` (Coinbase App "Data API – Prices", Get Spot
 * Price): `{"data": {"amount": "<price>", "base": "BTC", "currency": "<CUR>"}}`. No timestamp.
 */
export function parseCoinbaseSpot(body: unknown, currency: string): ParsedTicker | null {
  if (!isObject(body) || !isObject(body.data)) return null;
  const { amount, base, currency: quoted } = body.data;
  if (typeof amount !== "string") return null;
  if (base !== undefined && base !== "BTC") return null;
  if (quoted !== undefined && quoted !== currency) return null;
  return { price: amount, atSeconds: null };
}

/**
 * Bitstamp ticker, `GET /api/v2/ticker/btc<cur>/` (Bitstamp HTTP API v2, "Ticker"):
 * `{"timestamp": "<unix seconds>", "last": "<last price>", "bid": …, "ask": …, …}`. It dates its
 * answer, so a ticker that stopped moving is seen as stale even when the request succeeds.
 */
export function parseBitstampTicker(body: unknown, _currency: string): ParsedTicker | null {
  if (!isObject(body) || typeof body.last !== "string") return null;
  const at = typeof body.timestamp === "string" ? Number(body.timestamp) : body.timestamp;
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at <= 0) return null;
  return { price: body.last, atSeconds: at };
}

interface HttpProvider {
  readonly name: RateSourceName;
  /** The currencies it quotes against BTC (null: ask for any). */
  readonly currencies: ReadonlySet<string> | null;
  readonly path: (currency: string) => string;
  readonly parse: (body: unknown, currency: string) => ParsedTicker | null;
}

const PROVIDERS: Record<Exclude<RateSourceName, "fixed">, HttpProvider> = {
  kraken: {
    name: "kraken",
    currencies: new Set(["USD", "EUR", "GBP", "JPY", "CAD", "CHF", "AUD"]),
    path: (c) => `/0/public/Ticker?pair=XBT${c}`,
    parse: parseKrakenTicker,
  },
  coinbase: {
    name: "coinbase",
    currencies: null,
    path: (c) => `/v2/prices/BTC-${c}/spot`,
    parse: parseCoinbaseSpot,
  },
  bitstamp: {
    name: "bitstamp",
    currencies: new Set(["USD", "EUR", "GBP"]),
    path: (c) => `/api/v2/ticker/btc${c.toLowerCase()}/`,
    parse: parseBitstampTicker,
  },
};

/** Reads at most LIMITS.rateResponseMaxBytes of a body; null when it is longer. */
async function boundedText(response: Response): Promise<string | null> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > LIMITS.rateResponseMaxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** One HTTP quote: bounded in time and size; any failure is an outcome, never a throw. */
async function fetchQuote(
  provider: HttpProvider,
  baseUrl: string,
  currency: string,
  nowSeconds: number,
  fetcher: typeof fetch,
): Promise<QuoteOutcome> {
  const fail = (error: Extract<QuoteOutcome, { ok: false }>["error"]): QuoteOutcome => ({
    ok: false,
    source: provider.name,
    currency,
    error,
  });
  const exponent = minorUnitExponent(currency);
  if (exponent === null) return fail("garbage");
  let text: string | null;
  try {
    const response = await fetcher(`${baseUrl.replace(/\/+$/, "")}${provider.path(currency)}`, {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(LIMITS.rateFetchTimeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return fail("http_status");
    }
    text = await boundedText(response);
  } catch (e) {
    return fail(
      (e as Error).name === "TimeoutError" || (e as Error).name === "AbortError" ? "timeout" : "network",
    );
  }
  if (text === null) return fail("too_large");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail("garbage");
  }
  const ticker = provider.parse(body, currency);
  const btcPriceMinor = ticker ? parseDecimalToMinor(ticker.price, exponent) : null;
  if (!ticker || btcPriceMinor === null || btcPriceMinor > BigInt(Number.MAX_SAFE_INTEGER))
    return fail("garbage");
  // A source's own time is believed only when it is not in the future.
  const fetchedAt = ticker.atSeconds === null ? nowSeconds : Math.min(ticker.atSeconds, nowSeconds);
  return { ok: true, quote: { source: provider.name, currency, btcPriceMinor, fetchedAt } };
}

/** A real provider at `baseUrl`. */
export function httpSource(
  name: Exclude<RateSourceName, "fixed">,
  baseUrl: string,
  fetcher: typeof fetch = fetch,
): RateSource {
  const provider = PROVIDERS[name];
  return {
    name,
    quote: (currencies, nowSeconds) =>
      Promise.all(
        currencies
          .filter((c) => provider.currencies === null || provider.currencies.has(c))
          .map((c) => fetchQuote(provider, baseUrl, c, nowSeconds, fetcher)),
      ),
  };
}

/** Fixed prices (minor units per bitcoin), always current: regtest has no market. */
export function fixedSource(prices: ReadonlyMap<string, bigint>): RateSource {
  return {
    name: "fixed",
    quote: async (currencies, nowSeconds) =>
      currencies
        .filter((c) => prices.has(c))
        .map((c) => ({
          ok: true as const,
          quote: { source: "fixed", currency: c, btcPriceMinor: prices.get(c)!, fetchedAt: nowSeconds },
        })),
  };
}
