import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { p2wpkh } from "../src/chain/script";
import { parseTx } from "../src/chain/tx";
import { SluiceClient } from "../src/client/api";
import { verifySettlementProof } from "../src/client/proof";
import { bytesToHex, hexToBytes } from "../src/crypto";
import { deriveHubKeys, parseSeed } from "../src/keys/derive";
import { leafNode, parseAnchor } from "../src/settlement/merkle";
import { TEST_BINDINGS } from "./bindings";
import { hub, OPERATOR, testClock } from "./helpers";
import { openChannel, openOutsideChannel } from "./payers";
import { chain, mine } from "./regtest";
import {
  fundHubWallet,
  ledgerViolations,
  merchantWithPayouts,
  mempool,
  outputsPaying,
  rawTx,
  SETTLE_ENV,
} from "./settle";

const clock = testClock();
const h = hub(clock, SETTLE_ENV);
const client = new SluiceClient("http://hub.test", h.fetch);
const walletKeys = deriveHubKeys(parseSeed(TEST_BINDINGS.HUB_SEED)).wallet;

async function invoice(key: string, amountMsat: number) {
  const res = await h.call("POST", "/v1/invoices", { key, body: { amount_msat: amountMsat } });
  expect(res.status).toBe(201);
  return res.body.bolt11 as string;
}

const balanceOf = async (key: string) =>
  (await h.call("GET", "/v1/balance", { key })).body.available_msat as number;

describe("settlement on the regtest chain", () => {
  it("nets many payments, a refund and a close into one mined transaction; every output exact, proofs anchored, ledger whole", {
    timeout: 120_000,
  }, async () => {
    const deposit = await fundHubWallet(h, 5_000_000);
    const a = await merchantWithPayouts(h, "Settle A");
    const b = await merchantWithPayouts(h, "Settle B");
    const c1 = await openChannel(h, 100_000);
    const c2 = await openChannel(h, 60_000);
    const c3 = await openChannel(h, 50_000);
    const paidA = [];
    for (let i = 0; i < 3; i++)
      paidA.push(await c1.wallet.pay(client, await invoice(a.key, 10_000_000), { channelId: c1.channelId }));
    await c1.wallet.pay(client, await invoice(b.key, 5_000_000), { channelId: c1.channelId });
    await c2.wallet.pay(client, await invoice(a.key, 20_000_123), { channelId: c2.channelId });
    await c2.wallet.pay(client, await invoice(b.key, 12_345_678), { channelId: c2.channelId });
    await c3.wallet.pay(client, await invoice(b.key, 1_000_000), { channelId: c3.channelId });
    const refund = await h.call("POST", "/v1/refunds", {
      key: a.key,
      body: { payment_id: paidA[0]!.id, amount_msat: 4_000_000 },
    });
    expect(refund.status).toBe(201);
    await c1.wallet.requestClose(client, c1.channelId);
    expect(await ledgerViolations()).toEqual([]);

    const balanceA = await balanceOf(a.key);
    const balanceB = await balanceOf(b.key);
    const c1Balance = BigInt((await client.channel(c1.channelId)).payer_balance_msat);
    const startHeight = await chain.tipHeight();

    const run = await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
    expect(run.status).toBe(200);
    expect(run.body.planned).toMatch(/^stl_/);
    const settlementId = run.body.planned as string;
    expect(run.body.active).toMatchObject({
      id: settlementId,
      status: "broadcast",
      payout_count: 3,
      close_count: 1,
    });
    const [txid] = run.body.active.txids as string[];
    // The node took it: in the mempool before any block.
    expect(await mempool()).toContain(txid);

    // Payouts are pending on the books (moved off the balances) until final.
    const pendingA = (await h.call("GET", "/v1/payouts", { key: a.key })).body.data;
    expect(pendingA).toHaveLength(1);
    expect(pendingA[0]).toMatchObject({ status: "broadcast", txid, fee_share_sat: 31 * 2 });
    expect(await ledgerViolations()).toEqual([]);

    await mine(1);
    const one = await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
    expect(one.body.active).toMatchObject({ status: "confirmed", confirmations: 1 });
    // Its change, confirmed but not yet final, cannot be passed off as a fresh deposit of capital.
    const changeVout = parseTx(hexToBytes(await rawTx(txid!))).outputs.length - 1;
    const early = await h.call("POST", "/v1/admin/wallet/utxos", {
      key: OPERATOR,
      body: { txid, vout: changeVout },
    });
    expect([early.status, early.body.error?.code]).toEqual([409, "utxo_from_settlement"]);
    await mine(1);
    const two = await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
    expect(two.body.active).toBeNull();
    const settlement = (await h.call("GET", `/v1/settlements/${settlementId}`)).body;
    expect(settlement).toMatchObject({ status: "final", txids: [txid], confirmations: 2 });

    const tx = parseTx(hexToBytes(await rawTx(txid!)));
    // The payer who asked to close gets exactly floor(last signed balance) at its input's index.
    const c1View = await client.channel(c1.channelId);
    expect(c1View.status).toBe("closed");
    expect(tx.inputs[0]).toMatchObject({ txid: c1View.funding_txid, vout: c1View.funding_vout });
    expect(tx.outputs[0]).toEqual({
      valueSat: c1Balance / 1000n,
      script: hexToBytes(c1View.refund_script_pubkey),
    });

    // Each merchant's output is its balance floored to the sat, less its fee share (31 vB × 2 sat/vB).
    for (const [m, balance] of [
      [a, balanceA],
      [b, balanceB],
    ] as const) {
      const [payout] = (await h.call("GET", "/v1/payouts", { key: m.key })).body.data;
      expect(payout).toMatchObject({
        status: "confirmed",
        txid,
        address: m.payout.address,
        fee_share_sat: 62,
      });
      expect(payout.amount_sat).toBe(Math.floor(balance / 1000) - 62);
      expect(await outputsPaying(m.payout.script, startHeight + 1)).toEqual([
        { txid, vout: payout.vout, valueSat: BigInt(payout.amount_sat) },
      ]);
      expect(await balanceOf(m.key)).toBe(balance % 1000);
      expect((await h.call("GET", `/v1/payouts/${payout.id}`, { key: m.key })).body).toEqual(payout);
    }
    // The refund owed to c1's payer is paid to its refund script, less its own fee share.
    expect(await outputsPaying(c1View.refund_script_pubkey, startHeight + 1)).toEqual([
      { txid, vout: 0, valueSat: c1Balance / 1000n },
      { txid, vout: expect.any(Number), valueSat: 4_000n - 62n },
    ]);

    // The anchor: SLC1 ‖ root ‖ total, matching the settlement and every proof.
    const anchor = tx.outputs.map((o) => parseAnchor(o.script)).find((x) => x !== null)!;
    expect(bytesToHex(anchor.hash)).toBe(settlement.merkle_root);
    expect(anchor.sum).toBe(BigInt(settlement.total_liabilities_msat));
    const c2Now = await client.channel(c2.channelId);
    const c3Now = await client.channel(c3.channelId);
    expect(settlement.total_liabilities_msat).toBe(
      (balanceA % 1000) + (balanceB % 1000) + c2Now.payer_balance_msat + c3Now.payer_balance_msat,
    );
    const proofA = (await h.call("GET", `/v1/settlements/${settlementId}/proof`, { key: a.key })).body;
    expect(proofA.proofs.map((p: { owner: string }) => p.owner)).toEqual([`merchant:${a.merchantId}`]);
    // The leaf is salted (its salt shown to its owner only), so its siblings cannot be named.
    expect(proofA.proofs[0].salt).toMatch(/^[0-9a-f]{64}$/);
    const proofB = (await h.call("GET", `/v1/settlements/${settlementId}/proof`, { key: b.key })).body;
    expect(proofB.proofs).toHaveLength(1);
    expect(proofB.proofs[0].salt).not.toBe(proofA.proofs[0].salt);
    // A proof shows its owner's amount and names no one else: knowing every other liability's
    // owner and balance, no hash in A's proof can be matched to one of them (that takes the leaf's
    // salt, which only its owner's proof carries), and no other owner appears in it.
    const others = (
      [
        [`merchant:${b.merchantId}`, balanceB % 1000],
        [`channel:${c2.channelId}`, c2Now.payer_balance_msat],
        [`channel:${c3.channelId}`, c3Now.payer_balance_msat],
      ] as const
    ).filter(([, balance]) => balance > 0);
    expect(others.length).toBeGreaterThan(0);
    const proofText = JSON.stringify(proofA);
    const hashesInA = new Set(proofA.proofs[0].steps.map((step: { hash: string }) => step.hash));
    expect(hashesInA.size).toBeGreaterThan(0);
    for (const [owner, balance] of others) {
      expect(proofText).not.toContain(owner.slice(owner.indexOf(":") + 1));
      const guessed = bytesToHex(leafNode(settlementId, { owner, balanceMsat: BigInt(balance) }).hash);
      expect(hashesInA.has(guessed), `${owner}'s leaf recognised in another's proof`).toBe(false);
    }
    expect(verifySettlementProof(proofA, await rawTx(txid!))).toEqual({
      ok: true,
      balances: { [`merchant:${a.merchantId}`]: balanceA % 1000 },
    });
    const payerCheck = await c2.wallet.proveChannel(client, settlementId, c2.channelId, rawTx);
    expect(payerCheck).toEqual({
      ok: true,
      balances: { [`channel:${c2.channelId}`]: c2Now.payer_balance_msat },
    });
    // Payers prove with their channel key only: no signature, or another key's, gets nothing.
    const proofPath = `/v1/settlements/${settlementId}/proof?channel_id=${c2.channelId}`;
    expect((await h.call("GET", proofPath)).body.error.code).toBe("missing_parameter");
    const { signDer, payerMessageHash } = await import("../src/chain/signature");
    const { secp } = await import("../src/crypto");
    const stranger = bytesToHex(
      signDer(payerMessageHash("proof", c2.channelId, settlementId), secp.utils.randomSecretKey()),
    );
    const refused = await h.call("GET", `${proofPath}&signature=${stranger}`);
    expect([refused.status, refused.body.error.code]).toEqual([422, "invalid_signature"]);
    // Checked against what the merchant knows, a proof that leaves it out, is for another
    // settlement, or states less than it is owed, fails.
    const raw = await rawTx(txid!);
    const expectA = {
      settlementId,
      owner: `merchant:${a.merchantId}`,
      minimumBalanceMsat: BigInt(balanceA % 1000),
    };
    expect(verifySettlementProof(proofA, raw, expectA).ok).toBe(true);
    expect(verifySettlementProof({ ...proofA, proofs: [] }, raw, expectA)).toMatchObject({ ok: false });
    expect(verifySettlementProof(proofA, raw, { ...expectA, settlementId: "stl_other" })).toMatchObject({
      ok: false,
    });
    expect(
      verifySettlementProof(proofA, raw, { ...expectA, minimumBalanceMsat: BigInt((balanceA % 1000) + 1) }),
    ).toMatchObject({ ok: false });
    // A forged balance in a proof does not reach the anchored root.
    const forged = {
      ...proofA,
      proofs: [{ ...proofA.proofs[0], balance_msat: proofA.proofs[0].balance_msat + 1 }],
    };
    expect(verifySettlementProof(forged, await rawTx(txid!)).ok).toBe(false);

    // The hub wallet: the deposit spent, the change tracked as a new output; the books still balance.
    const hubView = (await h.call("GET", "/v1/admin/hub", { key: OPERATOR })).body;
    expect(tx.inputs).toContainEqual(expect.objectContaining({ txid: deposit.txid, vout: deposit.vout }));
    expect(hubView.utxos.find((u: { txid: string }) => u.txid === deposit.txid)).toBeUndefined();
    const change = tx.outputs.length - 1;
    expect(bytesToHex(tx.outputs[change]!.script)).toBe(bytesToHex(p2wpkh(walletKeys.publicKey)));
    expect(hubView.utxos).toContainEqual(
      expect.objectContaining({
        txid,
        vout: change,
        status: "available",
        source: "change",
        value_sat: Number(tx.outputs[change]!.valueSat),
      }),
    );
    expect(hubView.ledger_ok).toBe(true);
    expect(await ledgerViolations()).toEqual([]);

    // The hub's own change is not a deposit: registering it would count liabilities as capital.
    const again = await h.call("POST", "/v1/admin/wallet/utxos", {
      key: OPERATOR,
      body: { txid, vout: change },
    });
    expect(again.status).toBe(200); // already tracked: the same output back, nothing new booked
    expect(again.body).toMatchObject({ source: "change" });
    // Every payout announced itself at each step, once.
    const { results } = await env.DB.prepare(
      "SELECT type, COUNT(*) AS n FROM events WHERE type LIKE 'payout.%' OR type = 'channel.closed' GROUP BY type",
    ).all<{ type: string; n: number }>();
    expect(Object.fromEntries(results.map((r) => [r.type, r.n]))).toEqual({
      "payout.pending": 2,
      "payout.broadcast": 2,
      "payout.confirmed": 2,
      "channel.closed": 1,
    });

    // Nothing more to settle: a new run plans nothing.
    const idle = await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
    expect(idle.body).toMatchObject({ ran: true, planned: null, active: null });
  });

  it("closes channels at different seqs in one transaction the chain mines; each channel input's nSequence is 0x80000000 + its seq", {
    timeout: 120_000,
  }, async () => {
    const shop = await merchantWithPayouts(h, "Seqs");
    // Three outside payers (DESIGN.md §5 alone): 1 payment, 4 payments, and 2 down to dust (NONE|ACP).
    const plans = [
      { capacitySat: 40_000, amounts: [3_000_000] },
      { capacitySat: 50_000, amounts: [1_000_000, 2_000_000, 3_000_000, 4_000_123] },
      { capacitySat: 30_000, amounts: [1_000_000, 28_800_000] },
    ];
    const channels = [];
    for (const plan of plans) {
      const { payer, channel } = await openOutsideChannel(h, plan.capacitySat);
      let balance = BigInt(plan.capacitySat) * 1000n;
      for (const [n, amount] of plan.amounts.entries()) {
        balance -= BigInt(amount);
        const paid = await h.call("POST", "/v1/payments", {
          body: payer.payment(channel, await invoice(shop.key, amount), n + 1, balance),
        });
        expect(paid.status).toBe(201);
      }
      channels.push({ payer, channel, seq: plan.amounts.length, balance });
    }
    expect(channels.map((c) => c.balance < 330_000n)).toEqual([false, false, true]);
    // The dust one closes by itself (exhausted); the others ask.
    for (const c of channels.slice(0, 2)) {
      const asked = await h.call("POST", `/v1/channels/${c.channel.id}/close`, {
        body: c.payer.close(c.channel.id),
      });
      expect(asked.body.status).toBe("closing");
    }
    const run = await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
    expect(run.body.active).toMatchObject({ status: "broadcast", close_count: 3 });
    const [txid] = run.body.active.txids as string[];
    expect(await mempool()).toContain(txid);
    await mine(2);
    await h.call("POST", "/v1/admin/settlements", { key: OPERATOR });
    const settled = (await h.call("GET", `/v1/settlements/${run.body.active.id}`)).body;
    expect(settled).toMatchObject({ status: "final", txids: [txid] });
    expect((await chain.getTransaction(txid!))!.confirmations).toBeGreaterThanOrEqual(2);
    const tx = parseTx(hexToBytes(await rawTx(txid!)));
    for (const c of channels) {
      const input = tx.inputs.find(
        (i) => i.txid === c.channel.funding_txid && i.vout === c.channel.funding_vout,
      );
      expect(input?.sequence).toBe(0x80000000 + c.seq);
      expect((await h.call("GET", `/v1/channels/${c.channel.id}`)).body.status).toBe("closed");
    }
    const channelInputs = new Set(channels.map((c) => `${c.channel.funding_txid}:${c.channel.funding_vout}`));
    for (const input of tx.inputs.filter((i) => !channelInputs.has(`${i.txid}:${i.vout}`))) {
      expect(input.sequence).toBe(0xfffffffd); // hub wallet coins signal RBF
    }
    expect(await ledgerViolations()).toEqual([]);
  });
});
