/**
 * Lightning Addresses and LNURL-pay in workerd: claiming names, the LUD-06/16 pay request, the
 * callback's invoice (h = sha256(metadata), LUD-09, LUD-12), paying it from a real channel, and the
 * LUD-21 verify URL. The npm client library runs against `wrangler dev` in test/browser/lnurl-client.test.ts.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import { refreshRates } from "../src/rates/service";
import { bytesToHex, hexToBytes, sha256, utf8ToBytes } from "../src/crypto";
import { decodeInvoice } from "../src/lightning/bolt11";
import { hub, newMerchant, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV } from "./regtest";

const clock = testClock();
const h = hub(clock, { ...CHAIN_ENV, LIGHTNING_ADDRESS_DOMAIN: "pay.sluice.test" });
let shop: { merchantId: string; key: string };
let other: { merchantId: string; key: string };

beforeAll(async () => {
  shop = await newMerchant(h, "Corner Coffee");
  other = await newMerchant(h, "Other Shop");
});

const claim = (key: string, body: Record<string, unknown>) =>
  h.call("POST", "/v1/lightning-addresses", { key, body });

/** The path (and query) of an absolute LNURL URL, to call it on the in-process hub. */
const local = (url: string) => {
  const u = new URL(url);
  expect(u.origin).toBe("https://pay.sluice.test");
  return `${u.pathname}${u.search}`;
};

const eventsOf = async (key: string, type: string) =>
  (await h.call("GET", `/v1/events?type=${type}&limit=100`, { key })).body.data as {
    data: { object: { id: string; metadata: Record<string, string> } };
  }[];

describe("claiming a Lightning Address", () => {
  it("claims name@<LIGHTNING_ADDRESS_DOMAIN> with defaults from the merchant and the hub", async () => {
    const res = await claim(shop.key, { name: "coffee" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: "lightning_address",
      name: "coffee",
      address: "coffee@pay.sluice.test",
      status: "active",
      description: "Pay Corner Coffee",
      min_sendable_msat: 1_000,
      // The test hub's largest channel (CHANNEL_MAX_CAPACITY_SAT 50,000,000) in msat.
      max_sendable_msat: 50_000_000_000,
      comment_allowed: 0,
      success_message: "Payment received. Thank you!",
      lnurlp_url: "https://pay.sluice.test/.well-known/lnurlp/coffee",
      disabled_at: null,
    });
    expect(res.body.id).toMatch(/^lna_/);
    const got = await h.call("GET", `/v1/lightning-addresses/${res.body.id}`, { key: shop.key });
    expect(got.body).toEqual(res.body);
    const list = await h.call("GET", "/v1/lightning-addresses", { key: shop.key });
    expect(list.body.data.map((a: { id: string }) => a.id)).toContain(res.body.id);
  });

  it("a name is unique across merchants: another merchant cannot claim it, nor can the holder twice", async () => {
    expect((await claim(shop.key, { name: "unique.name" })).status).toBe(201);
    const again = await claim(other.key, { name: "unique.name" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("address_name_taken");
    expect((await claim(shop.key, { name: "unique.name" })).body.error.code).toBe("address_name_taken");
  });

  it("another merchant sees neither the address nor it in its list", async () => {
    const mine = await claim(shop.key, { name: "private-one" });
    expect((await h.call("GET", `/v1/lightning-addresses/${mine.body.id}`, { key: other.key })).status).toBe(
      404,
    );
    const theirs = await h.call("GET", "/v1/lightning-addresses", { key: other.key });
    expect(theirs.body.data.map((a: { id: string }) => a.id)).not.toContain(mine.body.id);
  });

  it("needs the lightning_addresses:write scope", async () => {
    const readOnly = await newMerchant(h, "Read Only", ["lightning_addresses:read"]);
    const res = await claim(readOnly.key, { name: "readonly" });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("insufficient_scope");
    expect((await h.call("GET", "/v1/lightning-addresses", { key: readOnly.key })).status).toBe(200);
  });
});

describe("LNURL-pay for a Lightning Address", () => {
  beforeAll(async () => {
    const res = await claim(shop.key, {
      name: "tips",
      description: "Tips for the baristas ☕",
      min_sendable_msat: 10_000,
      max_sendable_msat: 5_000_000,
      comment_allowed: 20,
      success_message: "Thanks for the tip!",
    });
    expect(res.status).toBe(201);
  });

  it("GET /.well-known/lnurlp/<name> answers LUD-06's pay request with LUD-16's identifier and LUD-12", async () => {
    const res = await h.call("GET", "/.well-known/lnurlp/tips");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.body).toEqual({
      tag: "payRequest",
      callback: "https://pay.sluice.test/lnurlp/tips/callback",
      minSendable: 10_000,
      maxSendable: 5_000_000,
      metadata: expect.any(String),
      commentAllowed: 20,
    });
    expect(JSON.parse(res.body.metadata)).toEqual([
      ["text/plain", "Tips for the baristas ☕"],
      ["text/identifier", "tips@pay.sluice.test"],
    ]);
  });

  it("the callback issues an invoice for the amount asked, h = sha256(metadata), with LUD-09 and LUD-21", async () => {
    const pay = (await h.call("GET", "/.well-known/lnurlp/tips")).body;
    const res = await h.call(
      "GET",
      `${local(pay.callback)}?amount=21000&comment=${encodeURIComponent("merci ☕")}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "OK",
      routes: [],
      successAction: { tag: "message", message: "Thanks for the tip!" },
    });
    const decoded = decodeInvoice(res.body.pr);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.value.amount_msat).toBe(21_000);
    expect(decoded.value.description).toBeNull();
    expect(decoded.value.description_hash).toBe(bytesToHex(sha256(utf8ToBytes(pay.metadata))));
    expect(res.body.verify).toMatch(/^https:\/\/pay\.sluice\.test\/lnurlp\/tips\/verify\/inv_/);

    // An ordinary invoice of the merchant's, announced by invoice.created, with the comment.
    const invoiceId = res.body.verify.split("/").pop();
    const invoice = (await h.call("GET", `/v1/invoices/${invoiceId}`, { key: shop.key })).body;
    expect(invoice).toMatchObject({
      status: "open",
      amount_msat: 21_000,
      bolt11: res.body.pr,
      description: null,
      description_hash: decoded.value.description_hash,
      metadata: { lightning_address: "tips@pay.sluice.test", comment: "merci ☕" },
      expiry_seconds: 600,
      // No display currency: no rate, and no fiat value.
      rate: null,
      fiat_value: null,
    });
    const created = await eventsOf(shop.key, "invoice.created");
    expect(created.map((e) => e.data.object.id)).toContain(invoiceId);
  });

  it("the invoice is paid from a channel; verify then reports settled with the preimage, and the events fire", async () => {
    const { wallet, client } = await openChannel(h, 50_000);
    const pay = (await h.call("GET", "/.well-known/lnurlp/tips")).body;
    const cb = (await h.call("GET", `${local(pay.callback)}?amount=1234000`)).body;
    const before = (await h.call("GET", local(cb.verify))).body;
    expect(before).toEqual({ status: "OK", settled: false, preimage: null, pr: cb.pr });

    const paid = await wallet.pay(client, cb.pr);
    expect(paid.amount_msat).toBe(1_234_000);
    const after = (await h.call("GET", local(cb.verify))).body;
    expect(after).toEqual({ status: "OK", settled: true, preimage: paid.preimage, pr: cb.pr });
    const decoded = decodeInvoice(cb.pr);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(bytesToHex(sha256(hexToBytes(after.preimage)))).toBe(decoded.value.payment_hash);

    const invoiceId = cb.verify.split("/").pop();
    expect((await eventsOf(shop.key, "invoice.paid")).map((e) => e.data.object.id)).toContain(invoiceId);
    const payments = await eventsOf(shop.key, "payment.succeeded");
    expect(
      payments.some((e) => (e.data.object as unknown as { invoice_id: string }).invoice_id === invoiceId),
    ).toBe(true);
  });

  it("verify answers only for invoices issued through that address", async () => {
    const plain = (await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: 5_000 } }))
      .body;
    const res = await h.call("GET", `/lnurlp/tips/verify/${plain.id}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: "ERROR", code: "invoice_not_found" });
  });

  it("a disabled address stops answering (410) but keeps its name; its invoices still verify", async () => {
    const spare = (await claim(shop.key, { name: "spare" })).body;
    const cb = (await h.call("GET", "/lnurlp/spare/callback?amount=5000")).body;
    const disabled = await h.call("POST", `/v1/lightning-addresses/${spare.id}/disable`, { key: shop.key });
    expect(disabled.body).toMatchObject({ status: "disabled", disabled_at: expect.any(Number) });
    const twice = await h.call("POST", `/v1/lightning-addresses/${spare.id}/disable`, { key: shop.key });
    expect(twice.body).toEqual(disabled.body);

    for (const path of ["/.well-known/lnurlp/spare", "/lnurlp/spare/callback?amount=5000"]) {
      const res = await h.call("GET", path);
      expect(res.status).toBe(410);
      expect(res.body).toMatchObject({ status: "ERROR", code: "lightning_address_disabled" });
    }
    expect((await h.call("GET", local(cb.verify))).body).toMatchObject({ status: "OK", settled: false });
    expect((await claim(other.key, { name: "spare" })).body.error.code).toBe("address_name_taken");
  });
});

describe("a Lightning Address of a merchant with a display currency", () => {
  it("locks that currency's rate on the callback's invoice, so its payment has a fiat value; without a rate it still issues", async () => {
    await refreshRates(openDb(env.DB), loadConfig(h.env).rates, clock.nowMs());
    const bar = await newMerchant(h, "Euro Bar");
    await h.call("PATCH", "/v1/merchant", { key: bar.key, body: { display_currency: "EUR" } });
    expect((await claim(bar.key, { name: "bar" })).status).toBe(201);
    const invoiceOf = async (verify: string) =>
      (await h.call("GET", `/v1/invoices/${verify.split("/").pop()}`, { key: bar.key })).body;

    const cb = (await h.call("GET", "/lnurlp/bar/callback?amount=150000")).body;
    // 150,000 msat at EUR 90,000.00 per bitcoin (the fixed development rate): 13.5 cents, 14 to the nearest.
    expect(await invoiceOf(cb.verify)).toMatchObject({
      amount_msat: 150_000,
      price: null,
      rate: { currency: "EUR", btc_price_minor: 9_000_000, spread_ppm: 0, source: "fixed" },
      fiat_value: { currency: "EUR", amount_minor: 14, btc_price_minor: 9_000_000 },
    });

    // Sat payments never depend on rates: once they are stale the address still answers, without one.
    clock.advanceSeconds(loadConfig(h.env).rates.maxAgeSeconds + 1);
    const stale = await h.call("GET", "/lnurlp/bar/callback?amount=150000");
    expect(stale.status).toBe(200);
    expect(await invoiceOf(stale.body.verify)).toMatchObject({
      amount_msat: 150_000,
      rate: null,
      fiat_value: null,
    });
  });
});
