import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChainError } from "../src/chain/backend";
import { parseTx } from "../src/chain/tx";
import { SluiceClient } from "../src/client/api";
import { hexToBytes } from "../src/crypto";
import { runTick } from "../src/scheduled";
import { hub, newMerchant, OPERATOR, random, testClock } from "./helpers";
import { openChannel } from "./payers";
import { call, chain, mine, mineTo } from "./regtest";
import { mineBlockWith } from "./regtest-miner";
import {
  fundHubWallet,
  ledgerViolations,
  mempool,
  merchantWithPayouts,
  outputsPaying,
  rawTx,
  SETTLE_ENV,
} from "./settle";

const clock = testClock();
const h = hub(clock, SETTLE_ENV);
const client = new SluiceClient("http://hub.test", h.fetch);
const settle = () => h.call("POST", "/v1/admin/settlements", { key: OPERATOR });

/** A merchant with a payout address and a paid balance. */
async function paidMerchant(
  name: string,
  amountMsat: number,
  payer: Awaited<ReturnType<typeof openChannel>>,
) {
  const shop = await merchantWithPayouts(h, name);
  const inv = await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: amountMsat } });
  await payer.wallet.pay(client, inv.body.bolt11, { channelId: payer.channelId });
  return shop;
}

const txRow = (settlementId: string) =>
  env.DB.prepare(
    "SELECT status, txid, confirmations, version, fee_sat FROM settlement_txs WHERE settlement_id = ?",
  )
    .bind(settlementId)
    .first<{ status: string; txid: string; confirmations: number; version: number; fee_sat: number }>();

describe("settlement against the chain's bad days", () => {
  it("a reorg takes the confirming block away: back to broadcast, confirms again, paid once", {
    timeout: 120_000,
  }, async () => {
    await fundHubWallet(h, 20_000_000);
    const payer = await openChannel(h, 1_000_000);
    const shop = await paidMerchant("Reorg Shop", 300_000_000, payer);
    const start = await chain.tipHeight();
    const planned = (await settle()).body.planned as string;
    const { txid } = (await txRow(planned))!;
    const [block] = await mine(1);
    expect((await settle()).body.active).toMatchObject({ status: "confirmed", confirmations: 1 });

    await call("invalidateblock", [block]);
    expect(await chain.tipHeight()).toBe(start);
    const after = await settle();
    expect(after.body.steps).toContain(`${planned}:0 reorged out: back to broadcast`);
    expect(await txRow(planned)).toMatchObject({ status: "broadcast", confirmations: 0 });
    // The transaction is back in the node's mempool (or the next run sends the same bytes again).
    await settle();
    expect(await mempool()).toContain(txid);
    await mine(1);
    await settle();
    await mine(1);
    expect((await settle()).body.active).toBeNull();
    expect(await txRow(planned)).toMatchObject({ status: "final", txid });
    const [payout] = (await h.call("GET", "/v1/payouts", { key: shop.key })).body.data;
    expect(await outputsPaying(shop.payout.script, start + 1)).toEqual([
      { txid, vout: payout.vout, valueSat: BigInt(payout.amount_sat) },
    ]);
    expect(await ledgerViolations()).toEqual([]);
  });

  it("a transaction stuck below what miners take is replaced by a higher-fee version of the same inputs", {
    timeout: 120_000,
  }, async () => {
    await fundHubWallet(h, 20_000_000);
    const payer = await openChannel(h, 1_000_000);
    const shop = await paidMerchant("Stuck Shop", 250_000_000, payer);
    const start = await chain.tipHeight();
    const planned = (await settle()).body.planned as string;
    const first = (await txRow(planned))!;
    // The node holds it but will never mine it: its fee no longer counts (as if the market moved past it).
    await call("prioritisetransaction", [first.txid, 0, -first.fee_sat]);
    await mine(2);
    expect(await mempool()).toContain(first.txid);
    expect((await chain.getTransaction(first.txid))?.confirmations).toBe(0);

    const bumped = await settle();
    expect(bumped.body.steps).toContain(`${planned}:0 fee bumped (stuck)`);
    const second = (await txRow(planned))!;
    expect(second.version).toBe(1);
    expect(second.txid).not.toBe(first.txid);
    const v1 = parseTx(hexToBytes(await rawTx(first.txid)));
    const { results } = await env.DB.prepare(
      "SELECT txid, raw_tx, fee_sat FROM settlement_tx_versions WHERE settlement_id = ? ORDER BY version",
    )
      .bind(planned)
      .all<{ txid: string; raw_tx: string; fee_sat: number }>();
    expect(results.map((r) => r.txid)).toEqual([first.txid, second.txid]);
    const v2 = parseTx(hexToBytes(results[1]!.raw_tx));
    // Same inputs, same outputs but the hub's change, a fee higher by at least its own size (BIP 125).
    expect(v2.inputs.map((i) => `${i.txid}:${i.vout}`)).toEqual(v1.inputs.map((i) => `${i.txid}:${i.vout}`));
    expect(v2.outputs.slice(0, -1)).toEqual(v1.outputs.slice(0, -1));
    expect(results[1]!.fee_sat).toBeGreaterThan(first.fee_sat);
    expect(v1.outputs.at(-1)!.valueSat - v2.outputs.at(-1)!.valueSat).toBe(
      BigInt(results[1]!.fee_sat - first.fee_sat),
    );

    // The merchant already sees the newest version's txid.
    const sent = (await h.call("GET", "/v1/payouts", { key: shop.key })).body.data[0];
    expect(sent).toMatchObject({ status: "broadcast", txid: second.txid });
    // A miner who got the replacement mines it; the node drops the stuck version as a conflict.
    await mineBlockWith([results[1]!.raw_tx]);
    expect(await mempool()).not.toContain(first.txid);
    await settle();
    await mine(1);
    expect((await settle()).body.active).toBeNull();
    expect(await txRow(planned)).toMatchObject({ status: "final", txid: second.txid });
    const [payout] = (await h.call("GET", "/v1/payouts", { key: shop.key })).body.data;
    expect(payout).toMatchObject({ status: "confirmed", txid: second.txid });
    expect(await outputsPaying(shop.payout.script, start + 1)).toEqual([
      { txid: second.txid, vout: payout.vout, valueSat: BigInt(payout.amount_sat) },
    ]);
    expect(await ledgerViolations()).toEqual([]);
  });

  it("a channel nearing refund_locktime is closed by the cron before the payer could refund it", {
    timeout: 120_000,
  }, async () => {
    const payer = await openChannel(h, 200_000);
    // A merchant without a payout address: the only thing to settle is the expiring channel.
    const shop = await newMerchant(h, "Expiry Shop");
    const inv = await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: 50_000_000 } });
    await payer.wallet.pay(client, inv.body.bolt11, { channelId: payer.channelId });
    const channel = await client.channel(payer.channelId);
    const margin = 6;
    // Not yet within the margin: the cron leaves it open.
    await mineTo(channel.refund_locktime - margin - 1);
    await runTick(h.env as never, clock, random);
    expect((await client.channel(payer.channelId)).status).toBe("open");
    // From the margin on, the cron closes it (after any settlement already in flight is final).
    let reason: string | null = null;
    while ((await client.channel(payer.channelId)).status !== "closed") {
      await mine(1);
      expect(await chain.tipHeight()).toBeLessThan(channel.refund_locktime);
      await runTick(h.env as never, clock, random);
      reason ??= (await client.channel(payer.channelId)).close_reason ?? null;
    }
    expect(reason).toBe("expiring");
    const closed = await client.channel(payer.channelId);
    expect(closed.status).toBe("closed");
    expect(await chain.tipHeight()).toBeLessThan(channel.refund_locktime);
    // Paid out on chain: the payer's output is exactly their last balance, floored to the sat.
    const paid = await outputsPaying(closed.refund_script_pubkey, channel.refund_locktime - margin);
    expect(paid.map((o) => o.valueSat)).toEqual([BigInt(closed.payer_balance_msat) / 1000n]);
    // At refund_locktime the payer's CLTV refund is worthless: its input is already spent.
    await mineTo(channel.refund_locktime);
    const refund = await payer.wallet.buildRefund(payer.channelId, 2);
    await expect(chain.broadcast(refund.hex)).rejects.toThrow(ChainError);
    expect(await ledgerViolations()).toEqual([]);
  });
});

describe("when a payer's refund takes an input first", () => {
  it("abandons the settlement: payouts back on the books, coins back in the wallet, and paid once by the next", {
    timeout: 180_000,
  }, async () => {
    await fundHubWallet(h, 20_000_000);
    const payer = await openChannel(h, 300_000);
    const shop = await paidMerchant("Abandon Shop", 100_000_000, payer);
    const balance = (await h.call("GET", "/v1/balance", { key: shop.key })).body.available_msat as number;
    const channel = await client.channel(payer.channelId);
    await mineTo(channel.refund_locktime - 6);
    const start = await chain.tipHeight();
    const planned = (await settle()).body.planned as string;
    const first = (await txRow(planned))!;
    expect(await client.channel(payer.channelId)).toMatchObject({
      status: "closing",
      close_reason: "expiring",
    });
    // The hub's transaction never gets mined (as if stuck), and at refund_locktime the payer's
    // CLTV refund is mined instead: the node drops the hub's transaction as a conflict.
    await call("prioritisetransaction", [first.txid, 0, -first.fee_sat]);
    await mineTo(channel.refund_locktime);
    const refund = await payer.wallet.buildRefund(payer.channelId, 2);
    await mineBlockWith([refund.hex]);
    expect(await mempool()).not.toContain(first.txid);
    // One block deep is no proof (a reorg may still take the refund away): nothing changes.
    const early = await settle();
    expect(early.body.steps).toEqual([]);
    expect((await h.call("GET", `/v1/settlements/${planned}`)).body.status).toBe("broadcast");
    expect((await h.call("GET", "/v1/payouts", { key: shop.key })).body.data[0].status).toBe("broadcast");

    // At SETTLEMENT_CONFIRMATIONS (2 here) deep it is: the settlement is abandoned.
    await mine(1);
    const run = await settle();
    expect(run.body.steps).toContain(`${planned}:0 abandoned: an input was spent elsewhere`);
    expect((await h.call("GET", `/v1/settlements/${planned}`)).body.status).toBe("abandoned");
    const [failed] = (await h.call("GET", "/v1/payouts", { key: shop.key })).body.data;
    expect(failed).toMatchObject({ status: "failed", settlement_id: planned });
    expect((await h.call("GET", "/v1/balance", { key: shop.key })).body.available_msat).toBe(balance);
    expect((await client.channel(payer.channelId)).status).toBe("refunded");
    const hubView = (await h.call("GET", "/v1/admin/hub", { key: OPERATOR })).body;
    expect(hubView.wallet.reserved_sat).toBe(0);
    expect(await ledgerViolations()).toEqual([]);

    // The next settlement pays the merchant; on the whole chain it is paid exactly once.
    const next = (await settle()).body.planned as string;
    expect(next).toMatch(/^stl_/);
    await mine(1);
    await settle();
    await mine(1);
    expect((await settle()).body.active).toBeNull();
    const payouts = (await h.call("GET", "/v1/payouts", { key: shop.key })).body.data;
    const paid = payouts.find((p: { status: string }) => p.status === "confirmed");
    expect(paid).toMatchObject({ settlement_id: next });
    expect(await outputsPaying(shop.payout.script, start + 1)).toEqual([
      { txid: paid.txid, vout: paid.vout, valueSat: BigInt(paid.amount_sat) },
    ]);
    expect(await ledgerViolations()).toEqual([]);
  });
});
