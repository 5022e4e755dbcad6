/**
 * GET /v1/channels/{id}/refunds in workerd over real D1 and a real regtest node: the refunds
 * merchants issued to a channel's payer, for that payer only (signed by P, DESIGN.md §6), each owed
 * until a settlement pays it to the channel's refund script, paying while that transaction is not
 * final, then paid. One payer signs from the contract's words (`outsidePayer`), the other is the SDK.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SluiceApiError, SluiceClient } from "../src/client/api";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import { refreshRates } from "../src/rates/service";
import { type Hub, hub, newMerchant, OPERATOR, testClock } from "./helpers";
import { openChannel, openOutsideChannel } from "./payers";
import { chain, mine } from "./regtest";
import { fundHubWallet, outputsPaying, SETTLE_ENV } from "./settle";

const h: Hub = hub(testClock(), SETTLE_ENV);
const client = new SluiceClient("http://hub.test", h.fetch);

/** An invoice for msat, or priced in fiat (`{price}`); its BOLT11 and amount. */
async function invoice(key: string, ask: number | { price: object }) {
  const body = typeof ask === "number" ? { amount_msat: ask } : ask;
  const res = await h.call("POST", "/v1/invoices", { key, body });
  expect(res.status).toBe(201);
  return { bolt11: res.body.bolt11 as string, amountMsat: res.body.amount_msat as number };
}

/** A merchant's refund of msat, or of a fiat amount at the payment's rate; its id and msat. */
async function refund(key: string, paymentId: string, ask: number | { fiat: object }) {
  const body = typeof ask === "number" ? { amount_msat: ask } : ask;
  const res = await h.call("POST", "/v1/refunds", { key, body: { payment_id: paymentId, ...body } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, amountMsat: res.body.amount_msat as number };
}

const listed = (channelId: string, query: string) =>
  h.call("GET", `/v1/channels/${channelId}/refunds?${query}`);

describe("GET /v1/channels/{id}/refunds", () => {
  it("gives the payer its refunds, newest first, owed → paying → paid as a settlement pays them; nobody else", {
    timeout: 120_000,
  }, async () => {
    await refreshRates(openDb(env.DB), loadConfig(h.env).rates, h.clock.nowMs());
    await fundHubWallet(h, 2_000_000);
    const bakery = await newMerchant(h, "Refund Bakery");
    const florist = await newMerchant(h, "Florist");
    const { payer, channel } = await openOutsideChannel(h, 100_000);
    const sdk = await openChannel(h, 50_000);

    const payments: string[] = [];
    let balance = BigInt(channel.payer_balance_msat);
    for (const [key, ask] of [
      [bakery.key, { price: { currency: "EUR", amount_minor: 2_700 } }],
      [florist.key, 5_000_000],
    ] as const) {
      const { bolt11, amountMsat } = await invoice(key, ask);
      balance -= BigInt(amountMsat);
      const paid = await h.call("POST", "/v1/payments", {
        body: payer.payment(channel, bolt11, payments.length + 1, balance),
      });
      expect(paid.status).toBe(201);
      payments.push(paid.body.id);
    }
    // EUR 9.00 of the EUR 27.00 paid, at the payment's own rate; then part of the florist's.
    const first = await refund(bakery.key, payments[0]!, { fiat: { amount_minor: 900, rate: "original" } });
    // Ids order refunds (settlement pays a channel's oldest first); the test clock stands still.
    h.clock.advanceSeconds(1);
    const second = await refund(florist.key, payments[1]!, 4_000_000);
    const elsewhere = await sdk.wallet.pay(client, (await invoice(bakery.key, 7_000_000)).bolt11);
    const sdkRefund = await refund(bakery.key, elsewhere.id, 2_000_000);

    const own = await listed(channel.id, `signature=${payer.refunds(channel.id)}`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ object: "list", has_more: false });
    expect(own.body.data.map((r: { id: string }) => r.id)).toEqual([second.id, first.id]);
    expect(own.body.data[1]).toEqual({
      id: first.id,
      object: "refund",
      payment_id: payments[0],
      invoice_id: expect.stringMatching(/^inv_/),
      merchant_name: "Refund Bakery",
      amount_msat: first.amountMsat,
      fiat_value: { currency: "EUR", amount_minor: 900, btc_price_minor: expect.any(Number), exponent: 2 },
      status: "owed",
      payout_txid: null,
      created_at: expect.any(Number),
    });
    expect(own.body.data[0]).toMatchObject({
      merchant_name: "Florist",
      amount_msat: 4_000_000,
      fiat_value: null,
      status: "owed",
    });

    // A page at a time, by the usual cursor.
    const page = await listed(channel.id, `limit=1&signature=${payer.refunds(channel.id)}`);
    expect([page.body.data[0].id, page.body.has_more]).toEqual([second.id, true]);
    const next = await listed(
      channel.id,
      `limit=1&starting_after=${second.id}&signature=${payer.refunds(channel.id)}`,
    );
    expect([next.body.data[0].id, next.body.has_more]).toEqual([first.id, false]);

    // The SDK's payer sees its own refund, and cannot read the other payer's.
    expect((await sdk.wallet.refunds(client, sdk.channelId)).map((r) => [r.id, r.status])).toEqual([
      [sdkRefund.id, "owed"],
    ]);
    const foreign = await sdk.wallet.refunds(client, channel.id).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(SluiceApiError);
    expect([(foreign as SluiceApiError).status, (foreign as SluiceApiError).code]).toEqual([
      422,
      "invalid_signature",
    ]);

    const owedSat = Math.floor((first.amountMsat + second.amountMsat) / 1000);
    await settleAndCheck(channel.id, payer.refunds(channel.id), channel.refund_script_pubkey, owedSat);
  });

  it("refuses other signatures and bad queries with stable codes", async () => {
    const { payer, channel } = await openOutsideChannel(h, 20_000);
    const own = payer.refunds(channel.id);
    const other = await openOutsideChannel(h, 20_000);
    const cases: [string, string, number, string][] = [
      [
        "another action's signature (close)",
        `signature=${payer.close(channel.id).signature}`,
        422,
        "invalid_signature",
      ],
      [
        "its own signature for another channel",
        `signature=${other.payer.refunds(other.channel.id)}`,
        422,
        "invalid_signature",
      ],
      [
        "another payer's signature of this channel",
        `signature=${other.payer.refunds(channel.id)}`,
        422,
        "invalid_signature",
      ],
      ["no signature", "", 400, "missing_parameter"],
      ["not hex", "signature=zz", 400, "invalid_parameter"],
      ["a bad cursor", `starting_after=pay_x&signature=${own}`, 400, "invalid_cursor"],
      ["a limit over 100", `limit=101&signature=${own}`, 400, "invalid_parameter"],
      ["an unknown parameter", `channel_id=x&signature=${own}`, 400, "unknown_parameter"],
    ];
    for (const [name, query, status, code] of cases) {
      const res = await listed(channel.id, query);
      expect([res.status, res.body.error?.code], name).toEqual([status, code]);
    }
    const unknown = await listed("ch_nope", `signature=${own}`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "channel_not_found"]);
    expect((await listed(channel.id, `signature=${own}`)).body).toEqual({
      object: "list",
      data: [],
      has_more: false,
    });
  });
});

/** Runs settlement: both refunds go out as one payout to the refund script, paying, then paid at final. */
async function settleAndCheck(channelId: string, signature: string, refundScript: string, owedSat: number) {
  const statuses = async () =>
    (await listed(channelId, `signature=${signature}`)).body.data.map(
      (r: { status: string; payout_txid: string | null }) => [r.status, r.payout_txid],
    );
  const run = await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
  expect(run.body.active).toMatchObject({ status: "broadcast" });
  const [txid] = run.body.active.txids as string[];
  expect(await statuses()).toEqual([
    ["paying", txid],
    ["paying", txid],
  ]);
  const height = await chain.tipHeight();
  await mine(2);
  const final = await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
  expect(final.status).toBe(200);
  expect(await statuses()).toEqual([
    ["paid", txid],
    ["paid", txid],
  ]);
  // Both refunds' sats in one output, less its own fee share.
  const [paid, ...more] = (await outputsPaying(refundScript, height + 1)).filter((o) => o.txid === txid);
  expect(more).toEqual([]);
  expect(Number(paid!.valueSat)).toBeGreaterThan(owedSat - 100);
  expect(Number(paid!.valueSat)).toBeLessThan(owedSat);
}
