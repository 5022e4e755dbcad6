/**
 * Exchange rates end to end: the real fetching and parsing code against local HTTP servers that
 * answer in Kraken's, Coinbase's and Bitstamp's documented formats, through the cron, into invoices.
 * Also the parsers and the decision, row by row.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import type { Quote } from "../src/rates/rate";
import { decideRate } from "../src/rates/rules";
import { refreshRates } from "../src/rates/service";
import { parseBitstampTicker, parseCoinbaseSpot, parseKrakenTicker } from "../src/rates/sources";
import { runTick } from "../src/scheduled";
import { hub, newMerchant, random, tableCounts, testClock } from "./helpers";
import type { ProviderBehaviour, ProviderFormat } from "./rate-providers";

const control = inject("rateControlUrl");

async function provider(format: ProviderFormat, behaviour: ProviderBehaviour) {
  const res = await fetch(control, { method: "POST", body: JSON.stringify({ format, behaviour }) });
  const { id, url } = (await res.json()) as { id: string; url: string };
  return {
    url,
    set: (b: ProviderBehaviour) =>
      fetch(`${control}/${id}/behaviour`, { method: "PUT", body: JSON.stringify(b) }),
    requests: async () => (await (await fetch(`${control}/${id}/requests`)).json()) as string[],
  };
}

const ok = (eur: string, timestamp?: number): ProviderBehaviour => ({
  mode: "ok",
  prices: { EUR: eur, USD: "100000.00", JPY: "15000000" },
  ...(timestamp === undefined ? {} : { timestamp }),
});

let kraken: Awaited<ReturnType<typeof provider>>;
let coinbase: Awaited<ReturnType<typeof provider>>;
let bitstamp: Awaited<ReturnType<typeof provider>>;
let rateEnv: Partial<Cloudflare.Env>;
const clock = testClock();
let h: ReturnType<typeof hub>;
let key: string;

beforeAll(async () => {
  kraken = await provider("kraken", ok("90000.00"));
  coinbase = await provider("coinbase", ok("90100.00"));
  bitstamp = await provider("bitstamp", ok("90200.00"));
  rateEnv = {
    RATE_SOURCES: "kraken,coinbase,bitstamp",
    RATE_CURRENCIES: "EUR,USD,JPY",
    RATE_KRAKEN_URL: kraken.url,
    RATE_COINBASE_URL: coinbase.url,
    RATE_BITSTAMP_URL: bitstamp.url,
  } as Partial<Cloudflare.Env>;
  h = hub(clock, rateEnv);
  ({ key } = await newMerchant(h, "Rates Shop"));
});

const policy = () => loadConfig(h.env).rates;
const refresh = () => refreshRates(openDb(env.DB), policy(), clock.nowMs());
const eurInvoice = () =>
  h.call("POST", "/v1/invoices", { key, body: { price: { currency: "EUR", amount_minor: 1_000 } } });

describe("rates from three real providers", () => {
  it("the cron asks each provider in its own format and the invoice locks the median", async () => {
    const report = await runTick(h.env, clock, random);
    expect(report.rates).toMatchObject({ quoted: 8, failures: [] }); // 3 + 3 + Bitstamp without JPY
    expect(report.rates.rated).toEqual(["EUR", "USD", "JPY"]);
    expect(await kraken.requests()).toContain("/0/public/Ticker?pair=XBTEUR");
    expect(await coinbase.requests()).toContain("/v2/prices/BTC-EUR/spot");
    expect(await bitstamp.requests()).toContain("/api/v2/ticker/btceur/");
    const res = await eurInvoice();
    expect(res.status).toBe(201);
    expect(res.body.rate).toMatchObject({ btc_price_minor: 9_010_000, source: "bitstamp+coinbase+kraken" });
    const stored = await env.DB.prepare(
      "SELECT source, btc_price_minor FROM rate_quotes WHERE currency = 'EUR' ORDER BY source",
    ).all();
    expect(stored.results).toEqual([
      { source: "bitstamp", btc_price_minor: 9_020_000 },
      { source: "coinbase", btc_price_minor: 9_010_000 },
      { source: "kraken", btc_price_minor: 9_000_000 },
    ]);
  });

  it("outvotes an outlier: a source 2 % or more off the median is dropped", async () => {
    await coinbase.set(ok("180000.00"));
    await refresh();
    const res = await eurInvoice();
    // median of kraken 90,000.00 and bitstamp 90,200.00
    expect(res.body.rate).toMatchObject({ btc_price_minor: 9_010_000, source: "bitstamp+kraken" });
  });

  it("prices from what still answers when the others fail, time out or talk garbage, and says why", async () => {
    await kraken.set({ mode: "status", status: 503 });
    await coinbase.set({ mode: "raw", body: "<html>cloudflare says hi</html>" });
    await bitstamp.set({ mode: "hang", ms: 7_000 });
    clock.advanceSeconds(policy().maxAgeSeconds + 1); // the earlier quotes are stale now
    const started = Date.now();
    const report = await refresh();
    expect(Date.now() - started).toBeLessThan(6_900); // the 5 s timeout, not the 7 s hang
    expect(report.quoted).toBe(0);
    expect(report.failures).toEqual(
      expect.arrayContaining(["kraken:EUR:http_status", "coinbase:EUR:garbage", "bitstamp:EUR:timeout"]),
    );
    const before = await tableCounts();
    const res = await eurInvoice();
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("rate_unavailable");
    expect(await tableCounts()).toEqual(before);
    expect((await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 5_000 } })).status).toBe(201);

    await kraken.set(ok("90000.00"));
    await refresh();
    expect((await eurInvoice()).body.rate).toMatchObject({ btc_price_minor: 9_000_000, source: "kraken" });
  });

  it("refuses answers that are too large, redirects, and wrong shapes", async () => {
    await kraken.set({ mode: "huge" });
    await coinbase.set({ mode: "status", status: 302 });
    await bitstamp.set({ mode: "raw", body: JSON.stringify({ timestamp: "1", last: 90000 }) });
    const report = await refresh();
    expect(report.failures).toEqual(
      expect.arrayContaining(["kraken:EUR:too_large", "coinbase:EUR:http_status", "bitstamp:EUR:garbage"]),
    );
  });

  it("counts a Bitstamp ticker dated past the staleness bound as stale, though it answered", async () => {
    clock.advanceSeconds(policy().maxAgeSeconds + 1);
    await kraken.set({ mode: "status", status: 500 });
    await coinbase.set({ mode: "status", status: 500 });
    await bitstamp.set(ok("90200.00", Math.floor(clock.nowMs() / 1000) - policy().maxAgeSeconds - 60));
    const report = await refresh();
    expect(report.quoted).toBeGreaterThan(0);
    expect(report.rated).not.toContain("EUR");
    expect((await eurInvoice()).status).toBe(503);
    await bitstamp.set(ok("90200.00", Math.floor(clock.nowMs() / 1000) - 5));
    await refresh();
    expect((await eurInvoice()).body.rate).toMatchObject({
      btc_price_minor: 9_020_000,
      source: "bitstamp",
      fetched_at: Math.floor(clock.nowMs() / 1000) - 5,
    });
  });

  it("gives no rate when two sources disagree past the bound: it cannot tell which is right", async () => {
    await kraken.set(ok("90000.00"));
    await coinbase.set(ok("95000.00"));
    await bitstamp.set({ mode: "status", status: 500 });
    clock.advanceSeconds(policy().maxAgeSeconds + 1);
    await refresh();
    const res = await eurInvoice();
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain("disagree");
  });

  it("keeps one rate per currency per hour in the history", async () => {
    const rows = await env.DB.prepare(
      "SELECT currency, hour_start FROM rate_history ORDER BY currency, hour_start",
    ).all<{
      currency: string;
      hour_start: number;
    }>();
    for (const r of rows.results) expect(r.hour_start % 3_600).toBe(0);
    const keys = rows.results.map((r) => `${r.currency}@${r.hour_start}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.some((k) => k.startsWith("EUR@"))).toBe(true);
  });
});

describe("each provider's format, parsed by its own function", () => {
  const kraken = (result: unknown, error: unknown[] = []) => ({ error, result });
  it.each([
    [
      "the documented example",
      kraken({ XXBTZUSD: { c: ["30303.20000", "0.00067643"] } }),
      "USD",
      "30303.20000",
    ],
    ["a newer pair name", kraken({ XBTCHF: { c: ["80000.1", "1"] } }), "CHF", "80000.1"],
    [
      "an error reported",
      kraken({ XXBTZUSD: { c: ["1", "1"] } }, ["EGeneral:Invalid arguments"]),
      "USD",
      null,
    ],
    ["another currency's pair", kraken({ XXBTZEUR: { c: ["1", "1"] } }), "USD", null],
    ["two pairs", kraken({ XXBTZUSD: { c: ["1", "1"] }, XXBTZEUR: { c: ["1", "1"] } }), "USD", null],
    ["a number for the price", kraken({ XXBTZUSD: { c: [30303.2, "1"] } }), "USD", null],
    ["no last trade", kraken({ XXBTZUSD: { a: ["1", "1", "1"] } }), "USD", null],
    ["not an object", "XXBTZUSD 30303.2", "USD", null],
  ])("Kraken: %s", (_name, body, currency, price) => {
    expect(parseKrakenTicker(body, currency)?.price ?? null).toBe(price);
  });

  it.each([
    [
      "the documented shape",
      { data: { amount: "97000.12", base: "BTC", currency: "USD" } },
      "USD",
      "97000.12",
    ],
    ["the older shape without base", { data: { amount: "1015.00", currency: "USD" } }, "USD", "1015.00"],
    ["another base", { data: { amount: "3000", base: "ETH", currency: "USD" } }, "USD", null],
    ["another currency", { data: { amount: "90000", base: "BTC", currency: "EUR" } }, "USD", null],
    ["a number", { data: { amount: 97000.12, base: "BTC", currency: "USD" } }, "USD", null],
    ["an error body", { errors: [{ id: "not_found", message: "Invalid currency" }] }, "USD", null],
  ])("Coinbase: %s", (_name, body, currency, price) => {
    expect(parseCoinbaseSpot(body, currency)?.price ?? null).toBe(price);
  });

  it.each([
    [
      "the documented shape",
      { timestamp: "1700000000", last: "37000.00", bid: "1", ask: "1" },
      "37000.00",
      1_700_000_000,
    ],
    ["a numeric timestamp", { timestamp: 1_700_000_000, last: "37000.00" }, "37000.00", 1_700_000_000],
    ["no timestamp", { last: "37000.00" }, null, null],
    ["a bad timestamp", { timestamp: "soon", last: "37000.00" }, null, null],
    ["a number for last", { timestamp: "1700000000", last: 37000 }, null, null],
  ])("Bitstamp: %s", (_name, body, price, at) => {
    const parsed = parseBitstampTicker(body, "USD");
    expect(parsed?.price ?? null).toBe(price);
    expect(parsed?.atSeconds ?? null).toBe(at);
  });
});

describe("deciding a rate", () => {
  const q = (source: string, price: bigint, fetchedAt = 1_000): Quote => ({
    source,
    currency: "EUR",
    btcPriceMinor: price,
    fetchedAt,
  });
  it.each([
    ["one fresh quote", [q("a", 100_000n)], 100_000n, "a"],
    ["the median of three", [q("a", 100_000n), q("b", 100_500n), q("c", 101_000n)], 100_500n, "a+b+c"],
    ["two: their mean, rounding down", [q("a", 100_000n), q("b", 100_001n)], 100_000n, "a+b"],
    [
      "an outlier among three dropped",
      [q("a", 100_000n), q("b", 100_200n), q("c", 200_000n)],
      100_100n,
      "a+b",
    ],
    ["a stale quote ignored", [q("a", 100_000n), q("b", 120_000n, 600)], 100_000n, "a"],
    ["nothing fresh", [q("a", 100_000n, 600)], null, null],
    ["two that disagree by 5 %", [q("a", 100_000n), q("b", 105_000n)], null, null],
    ["another currency only", [{ ...q("a", 1n), currency: "USD" }], null, null],
  ])("%s", (_name, quotes, price, source) => {
    const rate = decideRate(quotes, "EUR", 1_100, 300);
    if (price === null) {
      expect(rate.ok).toBe(false);
      if (!rate.ok) expect(rate.error.code).toBe("rate_unavailable");
    } else {
      expect(rate).toMatchObject({ ok: true, value: { btcPriceMinor: price, source } });
    }
  });

  it("dates a rate by the oldest quote it used", () => {
    const rate = decideRate([q("a", 100_000n, 900), q("b", 100_000n, 1_050)], "EUR", 1_100, 300);
    expect(rate.ok && rate.value.fetchedAt).toBe(900);
  });
});
