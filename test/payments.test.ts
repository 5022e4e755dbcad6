import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SluiceClient } from "../src/client/api";
import { bytesToHex, hexToBytes, sha256 } from "../src/crypto";
import { openDb } from "../src/db/client";
import { checkLedger } from "../src/ledger/invariants";
import { verifyReceipt } from "../src/payments/receipt";
import { hub, newMerchant, OPERATOR, tableCounts, testClock } from "./helpers";
import { openChannel, signedPayment } from "./payers";
import { CHAIN_ENV } from "./regtest";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);
let shopA: { merchantId: string; key: string };
let shopB: { merchantId: string; key: string };
let nodePubkey: string;

beforeAll(async () => {
  shopA = await newMerchant(h, "Shop A");
  shopB = await newMerchant(h, "Shop B");
  nodePubkey = (await h.call("GET", "/v1/node")).body.node_pubkey;
});

const invoice = async (key: string, amountMsat: number, extra: Record<string, unknown> = {}) =>
  (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: amountMsat, ...extra } })).body;

const ledgerOk = async () => {
  const report = await checkLedger(openDb(env.DB));
  expect(report.violations).toEqual([]);
  return report;
};

describe("paying invoices from a channel", () => {
  it("pays several invoices from two merchants; channel, merchants and ledger agree to the msat", async () => {
    const { wallet, client, channelId } = await openChannel(h, 200_000);
    const amounts = [
      [shopA.key, 10_000_123],
      [shopB.key, 25_000_000],
      [shopA.key, 1_000],
      [shopB.key, 7_777_777],
    ] as const;
    let spent = 0;
    for (const [key, amount] of amounts) {
      const inv = await invoice(key, amount);
      const result = await wallet.pay(client, inv.bolt11);
      spent += amount;
      expect(result.amount_msat).toBe(amount);
      expect(bytesToHex(sha256(hexToBytes(result.preimage)))).toBe(inv.payment_hash);
      const { signature, ...fields } = result.receipt;
      expect(verifyReceipt(fields, signature, nodePubkey)).toBe(true);
      expect(result.channel.payer_balance_msat).toBe(200_000_000 - spent);
      const read = await h.call("GET", `/v1/invoices/${inv.id}`, { key });
      expect(read.body).toMatchObject({ status: "paid", payment_id: result.id, preimage: result.preimage });
      expect(read.body.paid_at).toBeTypeOf("number");
    }
    const channel = await client.channel(channelId);
    expect(channel).toMatchObject({ seq: 4, payer_balance_msat: 200_000_000 - spent });
    expect((await wallet.channel(channelId)).payerBalanceMsat).toBe(String(200_000_000 - spent));

    // Default fee: 1,000 ppm, rounded down per payment.
    const fee = (a: number) => Math.floor((a * 1000) / 1_000_000);
    for (const [shop, mine] of [
      [shopA, [10_000_123, 1_000]],
      [shopB, [25_000_000, 7_777_777]],
    ] as const) {
      const balance = (await h.call("GET", "/v1/balance", { key: shop.key })).body;
      const gross = mine.reduce((s, a) => s + a, 0);
      const fees = mine.reduce((s, a) => s + fee(a), 0);
      expect(balance).toMatchObject({
        available_msat: gross - fees,
        gross_msat: gross,
        fees_msat: fees,
        payment_count: 2,
        fee_policy: { base_msat: 0, ppm: 1000 },
      });
      const list = await h.call("GET", "/v1/payments?limit=100", { key: shop.key });
      expect(list.body.data.map((p: { amount_msat: number }) => p.amount_msat).sort()).toEqual(
        [...mine].sort(),
      );
      for (const p of list.body.data) expect(p.net_msat).toBe(p.amount_msat - p.fee_msat);
    }
    const report = await ledgerOk();
    expect(report.liabilitiesMsat + report.equityMsat).toBe(report.heldOnChainMsat);
  });

  it("writes invoice.paid and payment.succeeded in the same batch as the payment", async () => {
    const { wallet, client } = await openChannel(h, 50_000);
    const inv = await invoice(shopA.key, 5_000);
    const paid = await wallet.pay(client, inv.bolt11);
    const { results } = await env.DB.prepare(
      "SELECT type, object_id FROM events WHERE object_id IN (?, ?) ORDER BY rowid",
    )
      .bind(inv.id, paid.id)
      .all();
    expect(results.map((r) => r.type)).toEqual(["invoice.created", "invoice.paid", "payment.succeeded"]);
  });

  it("replaying the exact same signed state returns the same payment (200), never a second charge", async () => {
    const { wallet, channelId } = await openChannel(h, 50_000);
    const inv = await invoice(shopA.key, 3_000);
    const body = await signedPayment(wallet, channelId, inv.bolt11, 3_000);
    const first = await h.call("POST", "/v1/payments", { body });
    const again = await h.call("POST", "/v1/payments", { body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const row = await env.DB.prepare("SELECT seq, payer_balance_msat FROM channels WHERE id = ?")
      .bind(channelId)
      .first();
    expect(row).toEqual({ seq: 1, payer_balance_msat: 50_000_000 - 3_000 });
    await ledgerOk();
  });

  it("the SDK recovers a lost response by sending the same state again", async () => {
    const { wallet, channelId } = await openChannel(h, 50_000);
    let dropped = 0;
    const flaky = new SluiceClient("http://hub.test", async (url, init) => {
      const res = await h.fetch(url, init);
      if (url.endsWith("/v1/payments") && dropped === 0) {
        dropped++;
        throw new TypeError("network connection lost after the hub answered");
      }
      return res;
    });
    const inv = await invoice(shopB.key, 4_000);
    const result = await wallet.pay(flaky, inv.bolt11);
    expect(dropped).toBe(1);
    expect(result.channel).toEqual({ id: channelId, seq: 1, payer_balance_msat: 50_000_000 - 4_000 });
    expect((await h.call("GET", `/v1/payments/${result.id}`, { key: shopB.key })).status).toBe(200);
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM payments WHERE channel_id = ?")
      .bind(channelId)
      .first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("the SDK refuses an invoice not payable to this hub before signing anything", async () => {
    const { wallet, client, channelId } = await openChannel(h, 30_000);
    const foreign =
      "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpuaztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw24cg27h2rspfj9srp";
    await expect(wallet.pay(client, foreign)).rejects.toThrow(/payee differs/);
    expect((await wallet.channel(channelId)).seq).toBe(0);
  });
});

describe("refunds", () => {
  it("refunds part then the rest of a payment, never more; the hub then owes the payer", async () => {
    const { wallet, client, channelId } = await openChannel(h, 80_000);
    const inv = await invoice(shopA.key, 40_000_000);
    const paid = await wallet.pay(client, inv.bolt11);
    const before = (await h.call("GET", "/v1/balance", { key: shopA.key })).body.available_msat;
    const part = await h.call("POST", "/v1/refunds", {
      key: shopA.key,
      body: { payment_id: paid.id, amount_msat: 15_000_000, reason: "one cup returned" },
    });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ object: "refund", amount_msat: 15_000_000, payment_id: paid.id });
    const rest = await h.call("POST", "/v1/refunds", {
      key: shopA.key,
      body: { payment_id: paid.id },
      headers: { "idempotency-key": `rest-${paid.id}` },
    });
    expect(rest.body.amount_msat).toBe(25_000_000);
    const replay = await h.call("POST", "/v1/refunds", {
      key: shopA.key,
      body: { payment_id: paid.id },
      headers: { "idempotency-key": `rest-${paid.id}` },
    });
    expect(replay.body).toEqual(rest.body);
    const counts = await tableCounts();
    const more = await h.call("POST", "/v1/refunds", {
      key: shopA.key,
      body: { payment_id: paid.id, amount_msat: 1 },
    });
    expect(more.status).toBe(409);
    expect(more.body.error.code).toBe("refund_exceeds_payment");
    expect(await tableCounts()).toEqual(counts);
    const after = (await h.call("GET", "/v1/balance", { key: shopA.key })).body;
    expect(after.available_msat).toBe(before - 40_000_000);
    expect((await h.call("GET", `/v1/payments/${paid.id}`, { key: shopA.key })).body.refunded_msat).toBe(
      40_000_000,
    );
    const owed = await env.DB.prepare("SELECT balance_msat FROM ledger_balances WHERE account = ?")
      .bind(`refund_owed:${channelId}`)
      .first();
    expect(owed).toEqual({ balance_msat: 40_000_000 });
    const events = await env.DB.prepare(
      "SELECT count(*) AS n FROM events WHERE type = 'refund.created' AND data LIKE ?",
    )
      .bind(`%${paid.id}%`)
      .first();
    expect(events).toEqual({ n: 2 });
    await ledgerOk();
  });

  it("another merchant cannot refund your payment", async () => {
    const { wallet, client } = await openChannel(h, 30_000);
    const paid = await wallet.pay(client, (await invoice(shopA.key, 9_000)).bolt11);
    const res = await h.call("POST", "/v1/refunds", { key: shopB.key, body: { payment_id: paid.id } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("payment_not_found");
  });
});

describe("fees", () => {
  it("a per-merchant override applies to new payments and shows on the payment and the balance", async () => {
    const shop = await newMerchant(h, "Fee Shop");
    const set = await h.call("PATCH", `/v1/admin/merchants/${shop.merchantId}`, {
      key: OPERATOR,
      body: { fee_base_msat: 100, fee_ppm: 20_000 },
    });
    expect(set.body).toMatchObject({ fee_base_msat: 100, fee_ppm: 20_000 });
    const { wallet, client } = await openChannel(h, 30_000);
    const paid = await wallet.pay(client, (await invoice(shop.key, 1_000_000)).bolt11);
    const payment = (await h.call("GET", `/v1/payments/${paid.id}`, { key: shop.key })).body;
    expect(payment).toMatchObject({ fee_msat: 100 + 20_000, net_msat: 1_000_000 - 20_100 });
    expect((await h.call("GET", "/v1/balance", { key: shop.key })).body).toMatchObject({
      available_msat: 979_900,
      fee_policy: { base_msat: 100, ppm: 20_000 },
    });
    await ledgerOk();
  });
});
