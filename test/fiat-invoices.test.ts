/** Fiat-priced invoices: conversion at the locked rate, spread, display currency, no-rate 503, checkout view. */
import { env } from "cloudflare:test";
import bolt11 from "bolt11";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import { refreshRates } from "../src/rates/service";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV } from "./regtest";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);
let key: string;

// The fixed source's development prices (src/config.ts): EUR 90,000.00, JPY 15,000,000 per bitcoin.
const EUR_PRICE = 9_000_000;
const JPY_PRICE = 1_500_000_000;

const refresh = () => refreshRates(openDb(env.DB), loadConfig(h.env).rates, clock.nowMs());
const create = (body: unknown, k = key) => h.call("POST", "/v1/invoices", { key: k, body });

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Fiat Shop"));
  const report = await refresh();
  expect(report.rated).toContain("EUR");
});

describe("fiat-priced invoices", () => {
  it("converts EUR 3.50 at the locked rate, rounding up, and signs that amount into the BOLT11", async () => {
    const res = await create({ price: { currency: "EUR", amount_minor: 350 }, description: "espresso" });
    expect(res.status).toBe(201);
    // ceil(350 × 10^11 / 9,000,000) = ceil(3,888,888.9) = 3,888,889 msat
    expect(res.body.amount_msat).toBe(3_888_889);
    expect(res.body.price).toEqual({ currency: "EUR", amount_minor: 350 });
    expect(res.body.rate).toMatchObject({
      currency: "EUR",
      btc_price_minor: EUR_PRICE,
      spread_ppm: 0,
      source: "fixed",
    });
    expect(res.body.rate.fetched_at).toBe(Math.floor(clock.nowMs() / 1000));
    expect(res.body.fiat_value).toEqual({ currency: "EUR", amount_minor: 350, btc_price_minor: EUR_PRICE });
    expect(bolt11.decode(res.body.bolt11).millisatoshis).toBe("3888889");
    // The merchant never gets less than the price: the msat asked are worth at least EUR 3.50.
    expect(BigInt(res.body.amount_msat) * BigInt(EUR_PRICE)).toBeGreaterThanOrEqual(350n * 100_000_000_000n);
    const got = await h.call("GET", `/v1/invoices/${res.body.id}`, { key });
    expect(got.body).toEqual(res.body);
  });

  it("uses each currency's ISO 4217 exponent: JPY has none, so 1,500 is ¥1,500", async () => {
    const res = await create({ price: { currency: "JPY", amount_minor: 1_500 } });
    expect(res.status).toBe(201);
    expect(res.body.amount_msat).toBe(100_000); // 1,500 × 10^11 / 1.5 × 10^9, exactly
    expect(res.body.rate.btc_price_minor).toBe(JPY_PRICE);
  });

  it("takes the merchant's spread off the rate, so the same price asks more sats", async () => {
    const { key: spreadKey } = await newMerchant(h, "Spread Shop");
    const patch = await h.call("PATCH", "/v1/merchant", {
      key: spreadKey,
      body: { rate_spread_ppm: 10_000 },
    });
    expect(patch.status).toBe(200);
    expect(patch.body.rate_spread_ppm).toBe(10_000);
    const res = await create({ price: { currency: "EUR", amount_minor: 350 } }, spreadKey);
    expect(res.body.rate).toMatchObject({ btc_price_minor: 8_910_000, spread_ppm: 10_000 });
    // ceil(350 × 10^11 / 8,910,000) = ceil(3,928,170.6…) = 3,928,171
    expect(res.body.amount_msat).toBe(3_928_171);
  });

  it("locks the display currency's rate on a sat-priced invoice and shows its approximate value", async () => {
    const { key: displayKey } = await newMerchant(h, "Display Shop");
    const patch = await h.call("PATCH", "/v1/merchant", {
      key: displayKey,
      body: { display_currency: "EUR" },
    });
    expect(patch.body.display_currency).toBe("EUR");
    const res = await create({ amount_msat: 150_000 }, displayKey);
    expect(res.body.price).toBeNull();
    expect(res.body.rate).toMatchObject({ currency: "EUR", btc_price_minor: EUR_PRICE, spread_ppm: 0 });
    // 150,000 msat × 9,000,000 / 10^11 = 13.5 → 14 cents (nearest, halves up)
    expect(res.body.fiat_value).toEqual({ currency: "EUR", amount_minor: 14, btc_price_minor: EUR_PRICE });
    const plain = await create({ amount_msat: 150_000 });
    expect(plain.body).toMatchObject({ price: null, rate: null, fiat_value: null });
  });

  it("shows both amounts in the public checkout view and on the hosted page", async () => {
    const fiat = await create({ price: { currency: "EUR", amount_minor: 350 } });
    const view = await h.call("GET", `/v1/checkout/${fiat.body.id}`);
    expect(view.body.amount_msat).toBe(3_888_889);
    expect(view.body.fiat).toEqual({ currency: "EUR", amount_minor: 350, exponent: 2, basis: "price" });
    const page = await h.app.request(`/pay/${fiat.body.id}`, {}, h.env);
    expect(await page.text()).toContain("EUR 3.50 (3,888.889 sats)");
    const sat = await create({ amount_msat: 2_000 });
    expect((await h.call("GET", `/v1/checkout/${sat.body.id}`)).body.fiat).toBeNull();
  });

  it("refuses a currency the hub does not price in with currency_not_supported, changing nothing", async () => {
    const before = await tableCounts();
    const res = await create({ price: { currency: "BHD", amount_minor: 1_250 } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "currency_not_supported", param: "price.currency" });
    const display = await h.call("PATCH", "/v1/merchant", { key, body: { display_currency: "BHD" } });
    expect(display.body.error.code).toBe("currency_not_supported");
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses a price past the msat range with amount_out_of_range", async () => {
    // 2^53 − 1 cents at EUR 90,000 per bitcoin is far past 2^53 − 1 msat.
    const res = await create({ price: { currency: "EUR", amount_minor: Number.MAX_SAFE_INTEGER } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("amount_out_of_range");
  });
});

async function eventData(type: string, objectId: string) {
  const row = await env.DB.prepare("SELECT data FROM events WHERE type = ? AND object_id = ?")
    .bind(type, objectId)
    .first<{ data: string }>();
  return JSON.parse(row!.data).data.object;
}

describe("paying a fiat-priced invoice", () => {
  it("gives the payment the price as its fiat value, in the API and in the events, with no rate read", async () => {
    const inv = (await create({ price: { currency: "EUR", amount_minor: 350 } })).body;
    const { wallet, client } = await openChannel(h, 50_000);
    // Rates go stale before the payment: the invoice's locked rate is all the payment uses.
    clock.advanceSeconds(loadConfig(h.env).rates.maxAgeSeconds + 1);
    const paid = await wallet.pay(client, inv.bolt11, { nowSeconds: Math.floor(clock.nowMs() / 1000) });
    expect(paid.amount_msat).toBe(3_888_889);
    const fiat = { currency: "EUR", amount_minor: 350, btc_price_minor: EUR_PRICE };
    const payment = await h.call("GET", `/v1/payments/${paid.id}`, { key });
    expect(payment.body.fiat_value).toEqual(fiat);
    expect((await eventData("payment.succeeded", paid.id)).fiat_value).toEqual(fiat);
    expect((await eventData("invoice.paid", inv.id)).fiat_value).toEqual(fiat);
    await refresh();
  });
});

describe("without a fresh rate", () => {
  it("answers 503 rate_unavailable for fiat prices only, changing nothing; sat invoices keep working", async () => {
    clock.advanceSeconds(loadConfig(h.env).rates.maxAgeSeconds + 1);
    const before = await tableCounts();
    const res = await create({ price: { currency: "EUR", amount_minor: 350 } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("rate_unavailable");
    expect(await tableCounts()).toEqual(before);
    const sat = await create({ amount_msat: 1_000 });
    expect(sat.status).toBe(201);
    await refresh();
    expect((await create({ price: { currency: "EUR", amount_minor: 350 } })).status).toBe(201);
  });
});
