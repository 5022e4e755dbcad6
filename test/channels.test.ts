import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChainError } from "../src/chain/backend";
import { buildRefundTx } from "../src/chain/channel";
import { p2wpkh } from "../src/chain/script";
import { txHex } from "../src/chain/tx";
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import { PayerWallet } from "../src/client/wallet";
import { LIMITS } from "../src/core/limits";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { deriveHubKeys, parseSeed } from "../src/keys/derive";
import { runTick } from "../src/scheduled";
import { TEST_BINDINGS } from "./bindings";
import { hub, random, tableCounts, testClock } from "./helpers";
import { openOutsideChannel, outsidePayer } from "./payers";
import { CHAIN_ENV, chain, fund, fundUnseen, mine, mineTo } from "./regtest";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);
const client = new SluiceClient("http://hub.test", h.fetch);
const chainEnv = h.env;

async function newWallet() {
  return PayerWallet.open(new MemoryStorage());
}

async function rowOf(channelId: string) {
  return (await env.DB.prepare("SELECT * FROM channels WHERE id = ?").bind(channelId).first<any>())!;
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
    expect(node).not.toHaveProperty("channel_pubkey");
  });

  it("gives every offer its own hub key (channel/<id>), so identical terms never share a funding script", async () => {
    const wallet = await newWallet();
    const body = { payer_pubkey: wallet.pubkey, capacity_sat: 80_000 };
    const a = await h.call("POST", "/v1/channels", { body });
    const b = await h.call("POST", "/v1/channels", { body });
    expect(a.body.refund_locktime).toBe(b.body.refund_locktime);
    expect(a.body.hub_pubkey).not.toBe(b.body.hub_pubkey);
    expect(a.body.funding_script_pubkey).not.toBe(b.body.funding_script_pubkey);
    const keys = deriveHubKeys(parseSeed(TEST_BINDINGS.HUB_SEED));
    expect(a.body.hub_pubkey).toBe(bytesToHex(keys.channel(a.body.id).publicKey));
    expect(b.body.hub_pubkey).toBe(bytesToHex(keys.channel(b.body.id).publicKey));
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
    expect(open.funding_verified_at).toBeGreaterThan(0);
    // Registering the same outpoint again is harmless.
    expect((await wallet.registerFunding(client, offer.id, outpoint)).status).toBe("open");
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
    [
      "a vout past the outputs",
      async (script: string) => ({ ...(await fund(script, 70_000)), vout: 7 }),
      422,
      "funding_output_not_found",
    ],
  ])("%s", async (_name, makeOutpoint, status, code) => {
    const payer = outsidePayer();
    const offer = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: payer.pubkey, capacity_sat: 70_000 },
    });
    const outpoint = await makeOutpoint(offer.body.funding_script_pubkey);
    const before = await tableCounts();
    const res = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, outpoint),
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await tableCounts()).toEqual(before);
    expect((await client.channel(offer.body.id)).status).toBe("awaiting_funding");
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
    const res = await h.call("POST", `/v1/channels/${offer.id}/funding`, {
      body: outsidePayer(hexToBytes(secret)).funding(offer.id, outpoint),
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("funding_spent");
    expect(await tableCounts()).toEqual(before);
  });
});

describe("deposit front-running (issue #11 item 1): only the payer can register its deposit", () => {
  it("an attacker who knows the victim's key offers the same terms and registers the victim's deposit first: refused; the victim's channel opens", async () => {
    const victim = outsidePayer();
    const terms = { payer_pubkey: victim.pubkey, capacity_sat: 75_000 };
    const mine_ = await h.call("POST", "/v1/channels", { body: terms });
    const deposit = await fund(mine_.body.funding_script_pubkey, 75_000);
    // The attacker's offer, same payer key, capacity and block: its own hub key, its own script.
    const theirs = await h.call("POST", "/v1/channels", { body: terms });
    expect(theirs.body.refund_locktime).toBe(mine_.body.refund_locktime);
    expect(theirs.body.funding_script_pubkey).not.toBe(mine_.body.funding_script_pubkey);
    const attacker = outsidePayer();
    const before = await tableCounts();
    const attempts = [
      // what worked before: the outpoint alone
      [{ txid: deposit.txid, vout: deposit.vout }, 400, "missing_parameter"],
      // signed, but not by P
      [attacker.funding(theirs.body.id, deposit), 422, "invalid_signature"],
      // P's signature for the victim's own channel, replayed onto the attacker's
      [{ ...victim.funding(mine_.body.id, deposit) }, 422, "invalid_signature"],
    ] as const;
    for (const [body, status, code] of attempts) {
      const res = await h.call("POST", `/v1/channels/${theirs.body.id}/funding`, { body });
      expect([res.status, res.body.error.code]).toEqual([status, code]);
    }
    expect(await tableCounts()).toEqual(before);
    expect((await h.call("GET", `/v1/channels/${theirs.body.id}`)).body.status).toBe("awaiting_funding");
    // The victim registers its own deposit: opening, then open.
    const registered = await h.call("POST", `/v1/channels/${mine_.body.id}/funding`, {
      body: victim.funding(mine_.body.id, deposit),
    });
    expect(registered.status).toBe(200);
    expect(registered.body).toMatchObject({ status: "opening", funding_txid: deposit.txid });
    await mine(2);
    expect((await h.call("GET", `/v1/channels/${mine_.body.id}`)).body.status).toBe("open");
    // Even with P's key the deposit cannot fund the attacker's offer: its script is not that one.
    const wrongScript = await h.call("POST", `/v1/channels/${theirs.body.id}/funding`, {
      body: victim.funding(theirs.body.id, deposit),
    });
    expect([wrongScript.status, wrongScript.body.error.code]).toEqual([422, "funding_script_mismatch"]);
  });

  it("a registration claiming a deposit before the node sees it holds nothing: the owner's channel still opens", async () => {
    const victim = outsidePayer();
    const offer = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: victim.pubkey, capacity_sat: 65_000 },
    });
    const deposit = await fundUnseen(offer.body.funding_script_pubkey, 65_000);
    // Someone learns the txid first (say, from another node) and registers it to their own offer.
    const attacker = outsidePayer();
    const theirs = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: attacker.pubkey, capacity_sat: 65_000 },
    });
    const claim = await h.call("POST", `/v1/channels/${theirs.body.id}/funding`, {
      body: attacker.funding(theirs.body.id, deposit),
    });
    expect(claim.body).toMatchObject({ status: "opening", funding_verified_at: null });
    const own = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: victim.funding(offer.body.id, deposit),
    });
    expect(own.status).toBe(200);
    await deposit.broadcast();
    await mine(2);
    expect((await h.call("GET", `/v1/channels/${offer.body.id}`)).body).toMatchObject({
      status: "open",
      funding_txid: deposit.txid,
    });
    expect((await h.call("GET", `/v1/channels/${theirs.body.id}`)).body).toMatchObject({
      status: "awaiting_funding",
      funding_txid: null,
      funding_error: { code: "funding_script_mismatch" },
    });
  });
});

describe("a funding transaction the node has not seen yet (relay takes time)", () => {
  it("is accepted as opening, unverified, and opens once the node sees and confirms it — found by the cron", async () => {
    const payer = outsidePayer();
    const offer = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: payer.pubkey, capacity_sat: 55_000 },
    });
    const deposit = await fundUnseen(offer.body.funding_script_pubkey, 55_000);
    const res = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, deposit),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "opening",
      funding_txid: deposit.txid,
      funding_vout: 0,
      funding_verified_at: null,
      funding_confirmations: 0,
      funding_error: null,
    });
    // Still unseen: the cron looks and leaves it as it is.
    await runTick(chainEnv, clock, random);
    expect((await rowOf(offer.body.id)).funding_verified_at).toBeNull();
    await deposit.broadcast();
    await mine(2);
    await runTick(chainEnv, clock, random);
    const row = await rowOf(offer.body.id);
    expect(row.status).toBe("open");
    expect(row.funding_verified_at).not.toBeNull();
    expect(await eventTypes(offer.body.id)).toEqual(["channel.opened"]);
  });

  it("that turns out not to pay the channel exactly sends it back to awaiting_funding, saying what was wrong; the right one then opens it", async () => {
    const payer = outsidePayer();
    const offer = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: payer.pubkey, capacity_sat: 45_000 },
    });
    const short = await fundUnseen(offer.body.funding_script_pubkey, 44_000);
    await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, short),
    });
    await short.broadcast();
    const seen = await h.call("GET", `/v1/channels/${offer.body.id}`);
    expect(seen.body).toMatchObject({ status: "awaiting_funding", funding_txid: null, funding_vout: null });
    expect(seen.body.funding_error.code).toBe("funding_value_mismatch");
    expect(seen.body.funding_error.message).toContain(`${short.txid}:0`);
    expect(seen.body.funding_error.message).toContain("44000 sat");
    const right = await fund(offer.body.funding_script_pubkey, 45_000);
    const res = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, right),
    });
    expect(res.body).toMatchObject({ status: "opening", funding_txid: right.txid, funding_error: null });
    await mine(2);
    expect((await h.call("GET", `/v1/channels/${offer.body.id}`)).body.status).toBe("open");
  });

  it("can be replaced by the payer while the node has not shown it (a mistyped txid is not final)", async () => {
    const payer = outsidePayer();
    const offer = await h.call("POST", "/v1/channels", {
      body: { payer_pubkey: payer.pubkey, capacity_sat: 35_000 },
    });
    const typo = { txid: "ab".repeat(32), vout: 0 };
    const first = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, typo),
    });
    expect(first.body).toMatchObject({
      status: "opening",
      funding_txid: typo.txid,
      funding_verified_at: null,
    });
    const right = await fund(offer.body.funding_script_pubkey, 35_000);
    const second = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, right),
    });
    expect(second.body).toMatchObject({ status: "opening", funding_txid: right.txid });
    expect(second.body.funding_verified_at).not.toBeNull();
    // Verified: now it is final.
    const again = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, typo),
    });
    expect([again.status, again.body.error.code]).toEqual([409, "channel_not_awaiting_funding"]);
  });

  it("never seen before the offer expires: expired, saying so (nothing is held for it)", async () => {
    const local = testClock();
    const lh = hub(local, CHAIN_ENV);
    const payer = outsidePayer();
    const offer = await lh.call("POST", "/v1/channels", {
      body: { payer_pubkey: payer.pubkey, capacity_sat: 25_000 },
    });
    const ghost = { txid: "cd".repeat(32), vout: 1 };
    await lh.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, ghost),
    });
    local.advanceSeconds(3_600);
    await runTick(lh.env, local, random);
    expect((await rowOf(offer.body.id)).status).toBe("opening");
    local.advanceSeconds(86_400);
    await runTick(lh.env, local, random);
    const view = (await lh.call("GET", `/v1/channels/${offer.body.id}`)).body;
    expect(view).toMatchObject({
      status: "expired",
      funding_txid: null,
      funding_error: { code: "funding_not_found" },
    });
    const late = await lh.call("POST", `/v1/channels/${offer.body.id}/funding`, {
      body: payer.funding(offer.body.id, ghost),
    });
    expect([late.status, late.body.error.code]).toEqual([410, "channel_offer_expired"]);
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
    const payer = outsidePayer();
    const res = await lh.call("POST", "/v1/channels", {
      body: { payer_pubkey: payer.pubkey, capacity_sat: 20_000 },
    });
    local.advanceSeconds(86_400);
    const late = await lh.call("POST", `/v1/channels/${res.body.id}/funding`, {
      body: payer.funding(res.body.id, { txid: "ab".repeat(32), vout: 0 }),
    });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("channel_offer_expired");
    expect((await lh.call("GET", `/v1/channels/${res.body.id}`)).body.status).toBe("expired");
  });

  it("the cron expires stale offers and deletes them a week after they expired, never a funded channel", async () => {
    const local = testClock();
    const lh = hub(local, CHAIN_ENV);
    const pubkey = outsidePayer().pubkey;
    const stale = await lh.call("POST", "/v1/channels", {
      body: { payer_pubkey: pubkey, capacity_sat: 20_000 },
    });
    const funded = await openOutsideChannel(lh, 30_000);
    local.advanceSeconds(86_400);
    const tick = await runTick(lh.env, local, random);
    expect(tick.channelOffersExpired).toBeGreaterThanOrEqual(1);
    expect((await rowOf(stale.body.id)).status).toBe("expired");
    local.advanceSeconds(LIMITS.expiredOfferRetentionSeconds - 60);
    await runTick(lh.env, local, random);
    expect(await rowOf(stale.body.id)).not.toBeNull();
    local.advanceSeconds(120);
    const purge = await runTick(lh.env, local, random);
    expect(purge.channelOffersPurged).toBeGreaterThanOrEqual(1);
    expect(await rowOf(stale.body.id)).toBeNull();
    expect((await lh.call("GET", `/v1/channels/${stale.body.id}`)).status).toBe(404);
    expect((await rowOf(funded.channel.id)).status).toBe("open");
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
