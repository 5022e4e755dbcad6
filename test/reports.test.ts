/**
 * Fiat after the invoice: refunds in fiat (at the original rate or today's), fiat on the balance,
 * and the CSV exports (parsed back with csv-parse: RFC 4180 quoting, formula cells made inert,
 * paging across D1 pages by cursor).
 */
import { env } from "cloudflare:test";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import { LIMITS } from "../src/core/limits";
import { refreshRates } from "../src/rates/service";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV } from "./regtest";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);
let key: string;
let merchantId: string;
/** When the first rate was fetched: the payout below is dated then, so its hour's first rate is that one
 * even when the run crosses an hour boundary (a later refresh then opens the next hour at EUR 95,000). */
let firstRateAt: number;
const payments: Record<string, { id: string; invoice: string }> = {};

const policy = () => loadConfig(h.env).rates;
const refresh = (eur?: bigint) =>
  refreshRates(
    openDb(env.DB),
    eur ? { ...policy(), fixedPrices: new Map([...policy().fixedPrices, ["EUR", eur]]) } : policy(),
    clock.nowMs(),
  );
const now = () => Math.floor(clock.nowMs() / 1000);

async function csv(path: string, k = key) {
  const res = await h.app.request(path, { headers: { authorization: `Bearer ${k}` } }, h.env);
  const text = await res.text();
  return {
    res,
    text,
    rows: res.status === 200 ? (parse(text, { columns: true }) as Record<string, string>[]) : [],
  };
}

beforeAll(async () => {
  ({ key, merchantId } = await newMerchant(h, "Export Shop"));
  await h.call("PATCH", "/v1/merchant", { key, body: { display_currency: "EUR" } });
  await refresh();
  firstRateAt = now();
  const { wallet, client } = await openChannel(h, 100_000);
  const pay = async (name: string, body: Record<string, unknown>) => {
    const inv = await h.call("POST", "/v1/invoices", { key, body });
    expect(inv.status).toBe(201);
    const paid = await wallet.pay(client, inv.body.bolt11, { nowSeconds: now() });
    payments[name] = { id: paid.id, invoice: inv.body.id };
    clock.advanceSeconds(1);
  };
  await pay("coffee", { price: { currency: "EUR", amount_minor: 350 }, description: "espresso" });
  await pay("sats", { amount_msat: 150_000 });
  await pay("nasty", {
    price: { currency: "EUR", amount_minor: 1_000 },
    order_id: '=HYPERLINK("https://evil.example","click")',
    description: 'Tea, "green"\nand a biscuit',
  });
});

describe("refunds in fiat", () => {
  it("at the original rate: EUR 1.00 of the coffee at its own rate, rounding down", async () => {
    const res = await h.call("POST", "/v1/refunds", {
      key,
      body: { payment_id: payments.coffee!.id, fiat: { amount_minor: 100, rate: "original" } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      amount_msat: 1_111_111, // floor(100 × 10^11 / 9,000,000)
      fiat_value: { currency: "EUR", amount_minor: 100, btc_price_minor: 9_000_000 },
      fiat_rate_basis: "original",
    });
  });

  it("at today's rate: the same EUR 1.00 is fewer msat once bitcoin is worth more", async () => {
    await refresh(9_500_000n);
    const res = await h.call("POST", "/v1/refunds", {
      key,
      body: { payment_id: payments.coffee!.id, fiat: { amount_minor: 100, rate: "current" } },
    });
    expect(res.body).toMatchObject({
      amount_msat: 1_052_631, // floor(100 × 10^11 / 9,500,000)
      fiat_value: { currency: "EUR", amount_minor: 100, btc_price_minor: 9_500_000 },
      fiat_rate_basis: "current",
    });
  });

  it("values an msat refund at the payment's own rate", async () => {
    const res = await h.call("POST", "/v1/refunds", {
      key,
      body: { payment_id: payments.sats!.id, amount_msat: 50_000 },
    });
    expect(res.body).toMatchObject({
      amount_msat: 50_000,
      fiat_value: { currency: "EUR", amount_minor: 5, btc_price_minor: 9_000_000 }, // 4.5 cents, halves up
      fiat_rate_basis: "original",
    });
  });

  it("refuses more than is left, a payment without a fiat value, and today's rate when there is none", async () => {
    const written = async () => ({
      ...(await tableCounts()),
      ...(await env.DB.prepare(
        "SELECT (SELECT count(*) FROM refunds) AS refunds, (SELECT count(*) FROM journal_entries) AS entries",
      ).first<{ refunds: number; entries: number }>()),
    });
    const tooMuchBefore = await written();
    const tooMuch = await h.call("POST", "/v1/refunds", {
      key,
      body: { payment_id: payments.coffee!.id, fiat: { amount_minor: 300, rate: "original" } },
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.code).toBe("refund_exceeds_payment");
    expect(await written()).toEqual(tooMuchBefore);

    const { key: plainKey } = await newMerchant(h, "No Fiat Shop");
    const inv = await h.call("POST", "/v1/invoices", { key: plainKey, body: { amount_msat: 10_000 } });
    const { wallet, client } = await openChannel(h, 20_000);
    const paid = await wallet.pay(client, inv.body.bolt11, { nowSeconds: now() });
    const before = await written();
    const noFiat = await h.call("POST", "/v1/refunds", {
      key: plainKey,
      body: { payment_id: paid.id, fiat: { amount_minor: 1, rate: "original" } },
    });
    expect(noFiat.status).toBe(409);
    expect(noFiat.body.error.code).toBe("payment_has_no_fiat_value");

    clock.advanceSeconds(policy().maxAgeSeconds + 1);
    const stale = await h.call("POST", "/v1/refunds", {
      key,
      body: { payment_id: payments.coffee!.id, fiat: { amount_minor: 10, rate: "current" } },
    });
    expect(stale.status).toBe(503);
    expect(stale.body.error.code).toBe("rate_unavailable");
    expect(await written()).toEqual(before);
    await refresh(9_500_000n);
  });
});

describe("the balance in fiat", () => {
  it("sums payments' and refunds' fiat values per currency, and values what is owed at today's rate", async () => {
    const res = await h.call("GET", "/v1/balance", { key });
    expect(res.body.fiat_totals).toEqual([
      { currency: "EUR", gross_minor: 350 + 14 + 1_000, refunded_minor: 100 + 100 + 5, payment_count: 3 },
    ]);
    expect(res.body.available_fiat).toEqual({
      currency: "EUR",
      amount_minor: Number(
        (BigInt(res.body.available_msat) * 9_500_000n * 2n + 10n ** 11n) / (2n * 10n ** 11n),
      ),
      btc_price_minor: 9_500_000,
    });
  });
});

describe("CSV exports", () => {
  const range = () => `from=${now() - 3_600}&to=${now() + 60}`;

  it("exports payments with msat, sat and fiat values, RFC 4180 quoting, and formulas made inert", async () => {
    const { res, text, rows } = await csv(`/v1/reports/payments.csv?${range()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="payments-\d+-\d+\.csv"$/);
    expect(text.split("\r\n")[0]).toBe(
      "payment_id,created_at,invoice_id,order_id,description,amount_msat,amount_sat,fee_msat,fee_sat,net_msat,net_sat,refunded_msat,refunded_sat,fiat_currency,amount_fiat,fee_fiat,net_fiat,refunded_fiat,btc_price_fiat,priced_in_fiat,rate_source,rate_fetched_at",
    );
    expect(rows.map((r) => r.payment_id)).toEqual([
      payments.coffee!.id,
      payments.sats!.id,
      payments.nasty!.id,
    ]);
    const coffee = rows[0]!;
    expect(coffee).toMatchObject({
      invoice_id: payments.coffee!.invoice,
      description: "espresso",
      amount_msat: "3888889",
      amount_sat: "3888.889",
      fee_msat: "3888", // 1,000 ppm
      fee_sat: "3.888",
      net_msat: "3885001",
      refunded_msat: String(1_111_111 + 1_052_631),
      fiat_currency: "EUR",
      amount_fiat: "3.50",
      fee_fiat: "0.00", // 3,888 msat at EUR 90,000 is 0.35 cents
      net_fiat: "3.50",
      refunded_fiat: "2.00",
      btc_price_fiat: "90000.00",
      priced_in_fiat: "true",
      rate_source: "fixed",
    });
    expect(coffee.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows[1]).toMatchObject({ amount_sat: "150.000", amount_fiat: "0.14", priced_in_fiat: "false" });
    const nasty = rows[2]!;
    expect(nasty.order_id).toBe('\'=HYPERLINK("https://evil.example","click")');
    expect(nasty.description).toBe('Tea, "green"\nand a biscuit');
    expect(text).toContain('"Tea, ""green""\nand a biscuit"');
  });

  it("exports refunds with the rate each was given at", async () => {
    const { rows } = await csv(`/v1/reports/refunds.csv?${range()}`);
    // Refunds made in the same second are ordered by id (random within a millisecond): compare as a set.
    const cells = rows.map((r) =>
      [r.amount_msat, r.amount_fiat, r.btc_price_fiat, r.fiat_rate_basis].join(" "),
    );
    expect(cells.sort()).toEqual(
      [
        "1111111 1.00 90000.00 original",
        "1052631 1.00 95000.00 current",
        "50000 0.05 90000.00 original",
      ].sort(),
    );
    rows.sort((a, b) => Number(b.amount_msat) - Number(a.amount_msat));
    expect(rows[0]).toMatchObject({
      payment_id: payments.coffee!.id,
      invoice_id: payments.coffee!.invoice,
      amount_sat: "1111.111",
    });
  });

  it("exports payouts valued at the display currency's rate of their hour", async () => {
    const stl = `stl_${"0".repeat(26)}`;
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO settlements (id, status, active, merkle_root, total_liabilities_msat, fee_rate_sat_per_vb, tx_count, payout_count, close_count, created_at, final_at)
         VALUES (?, 'final', NULL, ?, 0, 1, 1, 1, 0, ?, ?)`,
      ).bind(stl, "00".repeat(32), firstRateAt, firstRateAt),
      env.DB.prepare(
        `INSERT INTO payouts (id, settlement_id, tx_idx, vout, kind, merchant_id, script_pubkey, amount_sat, fee_share_sat, debit_msat, status, txid, created_at)
         VALUES (?, ?, 0, 0, 'merchant', ?, ?, 1000, 40, 1040000, 'confirmed', ?, ?)`,
      ).bind(`po_${"1".repeat(26)}`, stl, merchantId, `0014${"11".repeat(20)}`, "ab".repeat(32), firstRateAt),
    ]);
    const { rows } = await csv(`/v1/reports/payouts.csv?${range()}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: "confirmed",
      amount_sat: "1000",
      amount_msat: "1000000",
      fee_share_sat: "40",
      debit_msat: "1040000",
      debit_sat: "1040.000",
      fiat_currency: "EUR",
      amount_fiat: "0.90", // 1,000 sat at EUR 90,000 (the hour's first rate)
      debit_fiat: "0.94",
      btc_price_fiat: "90000.00",
    });
    expect(rows[0]!.address).toMatch(/^(bcrt|rb)1q/);
    expect((Number(new Date(rows[0]!.rate_at!)) / 1000) % 3_600).toBe(0);
  });

  it("streams a long export page by page, every row once, in order, ties on the same second included", async () => {
    const { key: bigKey, merchantId: bigId } = await newMerchant(h, "Volume Shop");
    const { channelId } = await openChannel(h, 20_000);
    const total = LIMITS.reportPageRows * 2 + 37;
    const at = now() - 100;
    const statements = [];
    for (let i = 0; i < total; i++) {
      const n = String(i).padStart(6, "0");
      const inv = `inv_volume${n}${"0".repeat(10)}`;
      statements.push(
        env.DB.prepare(
          `INSERT INTO invoices (id, merchant_id, status, amount_msat, description, payment_hash, payment_secret, preimage, bolt11, expiry_seconds, created_at, expires_at, paid_at, metadata, public_metadata_keys)
           VALUES (?, ?, 'paid', 1000, '', ?, '00', '00', ?, 3600, ?, ?, ?, '{}', '[]')`,
        ).bind(inv, bigId, `${n}${"0".repeat(58)}`, `lnbcrt-volume-${n}`, at, at + 3600, at),
        env.DB.prepare(
          `INSERT INTO payments (id, merchant_id, invoice_id, channel_id, seq, amount_msat, fee_msat, payer_balance_msat, sighash_type, signature, receipt_signature, created_at)
           VALUES (?, ?, ?, ?, ?, 1000, 1, 0, 131, '00', '00', ?)`,
        ).bind(`pay_volume${n}${"0".repeat(10)}`, bigId, inv, channelId, 1_000 + i, at + Math.floor(i / 400)),
      );
    }
    for (let i = 0; i < statements.length; i += 200) await env.DB.batch(statements.slice(i, i + 200));
    const res = await h.app.request(
      `/v1/reports/payments.csv?from=${at}&to=${now() + 60}`,
      { headers: { authorization: `Bearer ${bigKey}` } },
      h.env,
    );
    const reader = res.body!.getReader();
    let chunks = 0;
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += new TextDecoder().decode(value);
    }
    expect(chunks).toBeGreaterThanOrEqual(4); // the header, then one chunk per D1 page
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(total);
    const ids = rows.map((r) => r.payment_id!);
    expect(new Set(ids).size).toBe(total);
    expect([...ids].sort()).toEqual(ids);
    expect(rows.every((r) => r.fiat_currency === "" && r.amount_fiat === "")).toBe(true);
  });

  it("needs the right scope: payments:read for payments and refunds, payouts:read for payouts", async () => {
    const scoped = await h.call("POST", "/v1/api-keys", { key, body: { scopes: ["payouts:read"] } });
    const other = scoped.body.secret as string;
    expect((await csv(`/v1/reports/payments.csv?${range()}`, other)).res.status).toBe(403);
    expect((await csv(`/v1/reports/refunds.csv?${range()}`, other)).res.status).toBe(403);
    expect((await csv(`/v1/reports/payouts.csv?${range()}`, other)).res.status).toBe(200);
    expect((await csv(`/v1/reports/payouts.csv?${range()}`, "sk_nope")).res.status).toBe(401);
  });

  it("takes dates as well as Unix seconds, and an empty range is just the header", async () => {
    const { text, rows } = await csv("/v1/reports/payments.csv?from=2020-01-01&to=2020-02-01T00:00:00Z");
    expect(rows).toEqual([]);
    expect(text.split("\r\n")).toHaveLength(2);
  });
});
