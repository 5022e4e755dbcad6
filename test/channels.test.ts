import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChainError } from "../src/chain/backend";
import { buildRefundTx } from "../src/chain/channel";
import { p2wpkh } from "../src/chain/script";
import { txHex } from "../src/chain/tx";
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import { PayerWallet } from "../src/client/wallet";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { runTick } from "../src/scheduled";
import { TEST_BINDINGS } from "./bindings";
import { hub, random, tableCounts, testClock } from "./helpers";
import { CHAIN_ENV, chain, fund, mine, mineTo } from "./regtest";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);
const client = new SluiceClient("http://hub.test", h.fetch);
const chainEnv = h.env;

async function newWallet() {
  return PayerWallet.open(new MemoryStorage());
}

async function eventTypes(channelId: string) {
  const { results } = await env.DB.prepare("SELECT type FROM events WHERE object_id = ? ORDER BY rowid")
    .bind(channelId)
    .all<{ type: string }>();
  return results.map((r) => r.type);
}

describe("opening a channel on the regtest chain", () => {
  it("offers a channel whose script the wallet rebuilds, and reports node limits", async () => {
    const node = await client.node();
    expect(node.block_height).toBeGreaterThanOrEqual(500);
    expect(node.min_confirmations).toBe(2);
    expect(node.channel).toEqual({
      min_capacity_sat: 10_000,
      max_capacity_sat: 50_000_000,
      lifetime_blocks: 40,
      close_margin_blocks: 6,
    });
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 100_000);
    const view = await client.channel(offer.id);
    expect(view).toMatchObject({
      status: "awaiting_funding",
      seq: 0,
      payer_balance_msat: 100_000_000,
      capacity_sat: 100_000,
    });
    expect(view.refund_locktime).toBeGreaterThanOrEqual(node.block_height! + 40);
    expect(view.funding_address).toMatch(/^bcrt1q[0-9a-z]{58}$/);
    expect(await wallet.fundingAddress(offer.id)).toBe(view.funding_address);
  });

  it("goes awaiting_funding → opening → open as a real funding transaction confirms, emitting channel.opened once", async () => {
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 150_000);
    const outpoint = await fund(offer.fundingScript, 150_000);
    const opening = await wallet.registerFunding(client, offer.id, outpoint);
    expect(opening).toMatchObject({
      status: "opening",
      funding_txid: outpoint.txid,
      funding_vout: 0,
      funding_confirmations: 0,
    });
    await mine(1);
    expect((await client.channel(offer.id)).status).toBe("opening");
    await mine(1);
    const open = await client.channel(offer.id);
    expect(open).toMatchObject({ status: "open", funding_confirmations: 2 });
    // Registering the same outpoint again is harmless.
    expect((await client.registerFunding(offer.id, outpoint)).status).toBe("open");
    expect(await eventTypes(offer.id)).toEqual(["channel.opened"]);
  });

  it("the cron advances opening channels without anyone reading them", async () => {
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 60_000);
    const outpoint = await fund(offer.fundingScript, 60_000);
    await wallet.registerFunding(client, offer.id, outpoint);
    await mine(2);
    await runTick(chainEnv, clock, random);
    const row = await env.DB.prepare("SELECT status FROM channels WHERE id = ?")
      .bind(offer.id)
      .first<{ status: string }>();
    expect(row!.status).toBe("open");
  });
});

describe("funding that does not match is refused with a clear code, and nothing changes", () => {
  it.each([
    [
      "the wrong value",
      async (script: string) => ({ ...(await fund(script, 70_001)) }),
      422,
      "funding_value_mismatch",
    ],
    [
      "the wrong script",
      async () => ({
        ...(await fund(bytesToHex(p2wpkh(secp.getPublicKey(new Uint8Array(32).fill(9), true))), 70_000)),
      }),
      422,
      "funding_script_mismatch",
    ],
    ["an unknown txid", async () => ({ txid: "ab".repeat(32), vout: 0 }), 422, "funding_not_found"],
    [
      "a vout past the outputs",
      async (script: string) => ({ ...(await fund(script, 70_000)), vout: 7 }),
      422,
      "funding_output_not_found",
    ],
  ])("%s", async (_name, makeOutpoint, status, code) => {
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 70_000);
    const { txid, vout } = await makeOutpoint(offer.fundingScript);
    const before = await tableCounts();
    const res = await h.call("POST", `/v1/channels/${offer.id}/funding`, { body: { txid, vout } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await tableCounts()).toEqual(before);
    expect((await client.channel(offer.id)).status).toBe("awaiting_funding");
  });

  it("an output that already funds another channel (409 funding_already_used)", async () => {
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 80_000);
    const outpoint = await fund(offer.fundingScript, 80_000);
    await client.registerFunding(offer.id, outpoint);
    // A second offer in the same block with identical terms has the identical script.
    const twin = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: wallet.pubkey, capacity_sat: 80_000 },
    });
    expect(twin.body.funding_script_pubkey).toBe(offer.fundingScript);
    const reuse = await h.call("POST", `/v1/channels/${twin.body.id}/funding`, { body: outpoint });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.code).toBe("funding_already_used");
  });

  it("an output that pays the channel exactly but is already spent (409 funding_spent)", async () => {
    const secret = bytesToHex(secp.utils.randomSecretKey());
    const wallet = await PayerWallet.open(new MemoryStorage(), secret);
    const offer = await wallet.openChannel(client, 90_000);
    const outpoint = await fund(offer.fundingScript, 90_000);
    // Spend it by the payer's CLTV branch before telling the hub about it.
    await mineTo(offer.refundLocktime);
    const refund = buildRefundTx(
      {
        payerPubkey: hexToBytes(wallet.pubkey),
        hubPubkey: hexToBytes(offer.hubPubkey),
        refundLocktime: offer.refundLocktime,
        capacitySat: 90_000n,
        refundScript: hexToBytes(offer.refundScript),
        ...outpoint,
        fundingTxid: outpoint.txid,
        fundingVout: outpoint.vout,
      },
      hexToBytes(offer.refundScript),
      2,
      hexToBytes(secret),
    );
    await chain.broadcast(txHex(refund));
    await mine(1);
    expect(await chain.isUnspent(outpoint.txid, outpoint.vout)).toBe(false);
    const before = await tableCounts();
    const res = await h.call("POST", `/v1/channels/${offer.id}/funding`, { body: outpoint });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("funding_spent");
    expect(await tableCounts()).toEqual(before);
  });
});

describe("limits and offers", () => {
  it.each([
    [9_999, "capacity_out_of_range"],
    [50_000_001, "capacity_out_of_range"],
  ])("refuses capacity %i sat with %s", async (capacity, code) => {
    const before = await tableCounts();
    const res = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: (await newWallet()).pubkey, capacity_sat: capacity },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(await tableCounts()).toEqual(before);
  });

  it("an offer never funded expires (410 on late funding, expired after the cron)", async () => {
    const local = testClock();
    const lh = hub(local, CHAIN_ENV);
    const res = await lh.call("POST", "/v1/channels", {
      body: { payer_pubkey: (await newWallet()).pubkey, capacity_sat: 20_000 },
    });
    local.advanceSeconds(86_400);
    const late = await lh.call("POST", `/v1/channels/${res.body.id}/funding`, {
      body: { txid: "ab".repeat(32), vout: 0 },
    });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("channel_offer_expired");
    expect((await lh.call("GET", `/v1/channels/${res.body.id}`)).body.status).toBe("expired");
  });

  it("answers 503 chain_unavailable when the node is down, and writes nothing", async () => {
    const down = hub(testClock(), { ...CHAIN_ENV, BITCOIN_RPC_URL: "http://127.0.0.1:9/" });
    const before = await tableCounts();
    const res = await down.call("POST", "/v1/channels", {
      body: { payer_pubkey: (await newWallet()).pubkey, capacity_sat: 20_000 },
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("chain_unavailable");
    expect(await tableCounts()).toEqual(before);
    expect((await down.call("GET", "/v1/node")).body.block_height).toBeNull();
  });
});

describe("closing", () => {
  it("the payer's signature moves an open channel to closing; anyone else's is refused", async () => {
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 40_000);
    const early = await h.call("POST", `/v1/channels/${offer.id}/close`, {
      body: { signature: `30440220${"11".repeat(32)}0220${"11".repeat(32)}` },
    });
    expect(early.status).toBe(422);
    await wallet.registerFunding(client, offer.id, await fund(offer.fundingScript, 40_000));
    await mine(2);
    const stranger = await newWallet();
    const forged = await stranger.requestClose(client, offer.id).catch((e) => e);
    expect(forged.code).toBe("invalid_signature");
    const closing = await wallet.requestClose(client, offer.id);
    expect(closing.status).toBe("closing");
    expect((await wallet.requestClose(client, offer.id)).status).toBe("closing");
  });

  it("refuses to close a channel that is not open", async () => {
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 40_000);
    const res = await wallet.requestClose(client, offer.id).catch((e) => e);
    expect(res.status).toBe(409);
    expect(res.code).toBe("channel_not_open");
  });
});

describe("the hub-gone path", () => {
  it("the payer refunds alone after refund_locktime using only the SDK and the chain; before it the node refuses", async () => {
    const wallet = await newWallet();
    const offer = await wallet.openChannel(client, 120_000);
    const outpoint = await fund(offer.fundingScript, 120_000);
    await wallet.registerFunding(client, offer.id, outpoint);
    await mine(2);
    const refund = await wallet.buildRefund(offer.id, 2);
    // Before T: non-final, the node refuses it.
    const tip = await chain.tipHeight();
    expect(tip).toBeLessThan(offer.refundLocktime);
    const early = await chain.broadcast(refund.hex).catch((e) => e);
    expect(early).toBeInstanceOf(ChainError);
    expect((early as ChainError).kind).toBe("rejected");
    // At T: accepted into the mempool, then mined.
    await mineTo(offer.refundLocktime);
    expect(await chain.broadcast(refund.hex)).toBe(refund.txid);
    await mine(1);
    const confirmed = await chain.getTransaction(refund.txid);
    expect(confirmed!.confirmations).toBeGreaterThanOrEqual(1);
    expect(confirmed!.outputs[0]!.valueSat).toBeGreaterThan(119_000n);
    expect(bytesToHex(confirmed!.outputs[0]!.script)).toBe(offer.refundScript);
    // The hub notices and closes its books on the channel.
    await runTick(chainEnv, clock, random);
    expect((await client.channel(offer.id)).status).toBe("refunded");
    expect(await eventTypes(offer.id)).toEqual(["channel.opened", "channel.closed"]);
  });
});

it("uses the faucet key the global setup mined to", () => {
  expect(TEST_BINDINGS.FAUCET_SECRET).toHaveLength(64);
});
