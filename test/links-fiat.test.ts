/**
 * Payment links priced in fiat, in workerd: a fixed price or an open amount with limits, each
 * visit's invoice converted at that moment's rate (less the merchant's spread) with the rate locked
 * on it; the page shows both amounts; bad input to the API and the page gets a stable 4xx and
 * changes nothing; no fresh rate is a 503 page. The sat links: test/links.test.ts.
 */
import { env } from "cloudflare:test";
import bolt11 from "bolt11";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import { refreshRates } from "../src/rates/service";
import { fixedSource } from "../src/rates/sources";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";
import { linkPages } from "./link-pages";

const clock = testClock();
const h = hub(clock);
let key: string;

// The fixed source's development price (src/config.ts): EUR 90,000.00 per bitcoin.
const EUR_PRICE = 9_000_000;
const policy = () => loadConfig(h.env).rates;
const refresh = (eurPrice?: bigint) =>
  refreshRates(
    openDb(env.DB),
    policy(),
    clock.nowMs(),
    eurPrice === undefined ? undefined : [fixedSource(new Map([["EUR", eurPrice]]))],
  );

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Fiat Café"));
  await refresh();
});

const createLink = async (body: Record<string, unknown>, k = key) => {
  const res = await h.call("POST", "/v1/payment-links", { key: k, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

const { press, page, invoiceOf } = linkPages(h, () => key);

const alertCode = (html: string) => /data-code="([a-z_]+)"/.exec(html)?.[1] ?? null;

describe("a fixed fiat price", () => {
  it("is created, listed and announced with its price", async () => {
    const link = await createLink({
      price: { currency: "EUR", amount_minor: 450 },
      description: "Flat white",
    });
    expect(link).toMatchObject({
      amount_msat: null,
      price: { currency: "EUR", amount_minor: 450 },
      open_price: null,
      status: "active",
    });
    expect((await h.call("GET", `/v1/payment-links/${link.id}`, { key })).body).toEqual(link);
    const list = await h.call("GET", "/v1/payment-links", { key });
    expect(list.body.data.find((l: { id: string }) => l.id === link.id)).toEqual(link);
    const event = await env.DB.prepare("SELECT data FROM events WHERE type = ? AND object_id = ?")
      .bind("payment_link.created", link.id)
      .first<{ data: string }>();
    expect(JSON.parse(event!.data).data.object.price).toEqual({ currency: "EUR", amount_minor: 450 });
  });

  it("the page shows the price and what it comes to in sats now; viewing creates nothing", async () => {
    const link = await createLink({ price: { currency: "EUR", amount_minor: 450 } });
    const before = await tableCounts();
    const res = await page(`/l/${link.id}`);
    expect(res.status).toBe(200);
    // ceil(450 × 10^11 / 9,000,000) = 5,000,000 msat
    expect(res.html).toContain("Pay EUR 4.50");
    expect(res.html).toContain("EUR 4.50 is 5,000 sats at today's rate");
    expect(res.html).toContain(`action="/l/${link.id}"`);
    expect(res.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(await tableCounts()).toEqual(before);
  });

  it("each visit's invoice converts at that moment's rate and locks it; a returning visitor keeps its own", async () => {
    const link = await createLink({
      price: { currency: "EUR", amount_minor: 450 },
      success_url: "https://cafe.example/thanks",
    });
    const first = await press(`/l/${link.id}`);
    expect(first.status).toBe(303);
    const invoice = await invoiceOf(first.location!);
    expect(invoice).toMatchObject({
      amount_msat: 5_000_000,
      price: { currency: "EUR", amount_minor: 450 },
      rate: { currency: "EUR", btc_price_minor: EUR_PRICE, spread_ppm: 0, source: "fixed" },
      fiat_value: { currency: "EUR", amount_minor: 450, btc_price_minor: EUR_PRICE },
      metadata: { payment_link: link.id },
      success_url: "https://cafe.example/thanks",
    });
    expect(bolt11.decode(invoice.bolt11).millisatoshis).toBe("5000000");

    // The market moves: EUR 100,000 per bitcoin.
    await refresh(10_000_000n);
    const again = await press(`/l/${link.id}`, first.cookie);
    expect(again.location).toBe(first.location);
    expect((await invoiceOf(again.location!)).rate.btc_price_minor).toBe(EUR_PRICE);
    const other = await press(`/l/${link.id}`);
    const fresh = await invoiceOf(other.location!);
    expect(fresh).toMatchObject({
      amount_msat: 4_500_000,
      price: { currency: "EUR", amount_minor: 450 },
      rate: { btc_price_minor: 10_000_000 },
    });
    expect((await page(`/l/${link.id}`)).html).toContain("EUR 4.50 is 4,500 sats at today's rate");
    await refresh();
  });

  it("takes the merchant's spread off the rate, like any fiat invoice", async () => {
    const spread = await newMerchant(h, "Spread Café");
    await h.call("PATCH", "/v1/merchant", { key: spread.key, body: { rate_spread_ppm: 10_000 } });
    const link = await createLink({ price: { currency: "EUR", amount_minor: 350 } }, spread.key);
    const visit = await press(`/l/${link.id}`);
    const invoice = await invoiceOf(visit.location!, spread.key);
    // ceil(350 × 10^11 / 8,910,000) = 3,928,171 msat, as for an invoice created through the API
    expect(invoice).toMatchObject({
      amount_msat: 3_928_171,
      rate: { btc_price_minor: 8_910_000, spread_ppm: 10_000 },
    });
    expect((await page(`/l/${link.id}`)).html).toContain("EUR 3.50 is 3,928.171 sats at today's rate");
  });
});

describe("a sat link of a merchant with a display currency", () => {
  it("locks the display rate on each visit's invoice, as for any sat invoice", async () => {
    const shop = await newMerchant(h, "Display Café");
    await h.call("PATCH", "/v1/merchant", { key: shop.key, body: { display_currency: "EUR" } });
    const link = await createLink({ amount_msat: 150_000 }, shop.key);
    const visit = await press(`/l/${link.id}`);
    const invoice = await invoiceOf(visit.location!, shop.key);
    // 150,000 msat at EUR 90,000 per bitcoin: 13.5 cents, 14 to the nearest
    expect(invoice).toMatchObject({
      price: null,
      rate: { currency: "EUR", btc_price_minor: EUR_PRICE },
      fiat_value: { currency: "EUR", amount_minor: 14 },
    });
  });
});

describe("an open amount in fiat", () => {
  it("asks the amount in the currency within the limits, then shows both amounts and pays it", async () => {
    const link = await createLink({
      open_price: { currency: "EUR", min_amount_minor: 100, max_amount_minor: 5_000 },
      description: "Tip",
    });
    expect(link.open_price).toEqual({ currency: "EUR", min_amount_minor: 100, max_amount_minor: 5_000 });
    const ask = await page(`/l/${link.id}`);
    expect(ask.status).toBe(200);
    expect(ask.html).toContain('name="amount"');
    expect(ask.html).toContain('min="1.00" max="50.00" step="0.01"');
    expect(ask.html).toContain("Any amount from EUR 1.00 to EUR 50.00.");

    const chosen = await page(`/l/${link.id}?amount=12.5`);
    expect(chosen.status).toBe(200);
    expect(chosen.html).toContain("Pay EUR 12.50");
    expect(chosen.html).toContain(`action="/l/${link.id}?amount=12.50"`);
    // ceil(1250 × 10^11 / 9,000,000) = 13,888,889 msat
    expect(chosen.html).toContain("EUR 12.50 is 13,888.889 sats at today's rate");

    const paid = await press(`/l/${link.id}?amount=12.50`);
    expect(paid.status).toBe(303);
    expect(await invoiceOf(paid.location!)).toMatchObject({
      amount_msat: 13_888_889,
      price: { currency: "EUR", amount_minor: 1_250 },
      description: "Tip",
    });
    // The hosted page it lands on shows both amounts too.
    const checkout = await h.app.request(new URL(paid.location!).pathname, {}, h.env);
    expect(await checkout.text()).toContain("EUR 12.50 (13,888.889 sats)");
  });

  it("defaults to a least of one minor unit and no most of its own (the largest channel caps it)", async () => {
    const link = await createLink({ open_price: { currency: "JPY" } });
    expect(link.open_price).toEqual({ currency: "JPY", min_amount_minor: 1, max_amount_minor: null });
    expect((await page(`/l/${link.id}`)).html).toContain("Any amount from JPY 1 or more.");
    // ¥1,500 = 100,000 msat at JPY 15,000,000 per bitcoin
    expect((await invoiceOf((await press(`/l/${link.id}?amount=1500`)).location!)).amount_msat).toBe(100_000);
    // ¥3,000,000,000 is 20 BTC: more than the largest channel.
    const before = await tableCounts();
    const big = await press(`/l/${link.id}?amount=3000000000`);
    expect(big.status).toBe(400);
    expect(alertCode(big.text)).toBe("amount_out_of_range");
    expect((await page(`/l/${link.id}?amount=3000000000`)).status).toBe(400);
    expect(await tableCounts()).toEqual(before);
  });
});

describe("bad input", () => {
  const API_CASES: [name: string, body: unknown, status: number, code: string][] = [
    [
      "a currency that is not ISO 4217",
      { price: { currency: "EURO", amount_minor: 100 } },
      400,
      "invalid_currency",
    ],
    ["a lower-case code", { price: { currency: "eur", amount_minor: 100 } }, 400, "invalid_currency"],
    ["gold is no currency to price in", { open_price: { currency: "XAU" } }, 400, "invalid_currency"],
    [
      "a currency the hub does not price in",
      { price: { currency: "BHD", amount_minor: 100 } },
      400,
      "currency_not_supported",
    ],
    ["an open amount in one", { open_price: { currency: "SEK" } }, 400, "currency_not_supported"],
    ["a price of zero", { price: { currency: "EUR", amount_minor: 0 } }, 400, "invalid_parameter"],
    ["a fractional price", { price: { currency: "EUR", amount_minor: 4.5 } }, 400, "invalid_parameter"],
    ["a price as a string", { price: { currency: "EUR", amount_minor: "450" } }, 400, "invalid_parameter"],
    ["a price past 2^53", { price: { currency: "EUR", amount_minor: 2 ** 53 } }, 400, "invalid_parameter"],
    ["a price without currency", { price: { amount_minor: 450 } }, 400, "missing_parameter"],
    [
      "an unknown field in the price",
      { price: { currency: "EUR", amount_minor: 1, tax: 1 } },
      400,
      "unknown_parameter",
    ],
    ["a least of zero", { open_price: { currency: "EUR", min_amount_minor: 0 } }, 400, "invalid_parameter"],
    [
      "a most below the least",
      { open_price: { currency: "EUR", min_amount_minor: 500, max_amount_minor: 100 } },
      400,
      "invalid_range",
    ],
    [
      "msat and a price",
      { amount_msat: 1_000, price: { currency: "EUR", amount_minor: 1 } },
      400,
      "amount_conflict",
    ],
    [
      "a price and an open price",
      { price: { currency: "EUR", amount_minor: 1 }, open_price: { currency: "EUR" } },
      400,
      "amount_conflict",
    ],
  ];

  it.each(API_CASES)(
    "creating a link with %s is refused, changing nothing",
    async (_name, body, status, code) => {
      const before = await tableCounts();
      const res = await h.call("POST", "/v1/payment-links", { key, body });
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(await tableCounts()).toEqual(before);
    },
  );

  it("the page refuses amounts outside the link's limits or in the wrong unit, and a disabled link, with stable codes", async () => {
    const open = await createLink({
      open_price: { currency: "EUR", min_amount_minor: 100, max_amount_minor: 5_000 },
    });
    const fixed = await createLink({ price: { currency: "EUR", amount_minor: 450 } });
    const gone = await createLink({ price: { currency: "EUR", amount_minor: 450 } });
    await h.call("POST", `/v1/payment-links/${gone.id}/disable`, { key });
    const rows: [path: string, status: number, code: string][] = [
      [`/l/${open.id}`, 400, "missing_parameter"],
      [`/l/${open.id}?amount=0.99`, 400, "amount_out_of_range"],
      [`/l/${open.id}?amount=50.01`, 400, "amount_out_of_range"],
      [`/l/${open.id}?amount=4.505`, 400, "invalid_parameter"],
      [`/l/${open.id}?amount=-5`, 400, "invalid_parameter"],
      [`/l/${open.id}?amount=abc`, 400, "invalid_parameter"],
      [`/l/${open.id}?amount_sat=500`, 400, "invalid_parameter"],
      [`/l/${fixed.id}?amount=9.99`, 400, "invalid_parameter"],
      [`/l/${gone.id}`, 410, "payment_link_disabled"],
    ];
    const before = await tableCounts();
    for (const [path, status, code] of rows) {
      const res = await press(path);
      expect(res.status, path).toBe(status);
      expect(alertCode(res.text), path).toBe(code);
      expect(res.setCookie, path).toBeNull();
      if (path !== `/l/${open.id}`) {
        const viewed = await page(path);
        expect(viewed.status, `GET ${path}`).toBe(status);
        expect(alertCode(viewed.html), `GET ${path}`).toBe(code);
      }
    }
    expect(await tableCounts()).toEqual(before);
  });

  it("without a fresh rate a fiat link's Pay answers 503 rate_unavailable and changes nothing; sat links keep working", async () => {
    const fiat = await createLink({ price: { currency: "EUR", amount_minor: 450 } });
    const sats = await createLink({ amount_msat: 5_000_000 });
    clock.advanceSeconds(policy().maxAgeSeconds + 1);
    const viewed = await page(`/l/${fiat.id}`);
    expect(viewed.status).toBe(200);
    expect(viewed.html).toContain("No exchange rate right now");
    const before = await tableCounts();
    const res = await press(`/l/${fiat.id}`);
    expect(res.status).toBe(503);
    expect(alertCode(res.text)).toBe("rate_unavailable");
    expect(await tableCounts()).toEqual(before);
    expect((await press(`/l/${sats.id}`)).status).toBe(303);
    await refresh();
    expect((await press(`/l/${fiat.id}`)).status).toBe(303);
  });
});
