/**
 * Settlement against a chain node that errs (issue #11 item 2): a fault-injecting proxy sits
 * between the hub and this file's bcoin node (test/fault-proxy.ts) and makes chosen RPC methods
 * fail, time out, answer garbled or stale, at moments a seeded PRNG picks, through whole
 * settlements with rebroadcasts, fee bumps and reorgs, and through payers' refunds that spend a
 * settlement's input (in the mempool only, shallow then reorged out, and deep). After every step:
 * no payout paid twice on chain, the ledger invariant holds, and a run that only met faults
 * changed nothing. A failure names its seed and step.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChainBackend } from "../src/chain/backend";
import { ChainError } from "../src/chain/backend";
import { SluiceClient } from "../src/client/api";
import { LIMITS } from "../src/core/limits";
import { hexToBytes } from "../src/crypto";
import { parseTx, txHex, txid as txidOf } from "../src/chain/tx";
import type { FaultKind, FaultPlan, FaultRule } from "./fault-proxy";
import { faultProxy } from "./faults";
import { hub, testClock } from "./helpers";
import { openChannel } from "./payers";
import { call, chain, fund, mine, mineTo } from "./regtest";
import { mineBlockWith } from "./regtest-miner";
import {
  fundHubWallet,
  ledgerViolations,
  mempool,
  merchantWithPayouts,
  outputsPaying,
  prng,
  runWith,
  SETTLE_ENV,
} from "./settle";

const clock = testClock();
const h = hub(clock, SETTLE_ENV);
const client = new SluiceClient("http://hub.test", h.fetch);
/** The hub gives up on a call after this; a "timeout" fault holds the connection longer. */
const HUB_TIMEOUT_MS = 500;
const proxy = await faultProxy(HUB_TIMEOUT_MS);
const faulty: ChainBackend = proxy.chain;

/** Whole settlements (with bumps and reorgs as the seed picks) and refund races: seeds of each. */
const SETTLEMENT_SEEDS = 6;
const REFUND_SEEDS = 6;
const MAX_ROUNDS = 60;

const READS: FaultKind[] = ["rpc_error", "http_500", "reset", "timeout", "garbled", "stale"];
/** What each method the hub calls may suffer. */
const METHOD_FAULTS: [string, FaultKind[]][] = [
  ["getblockcount", READS],
  ["getrawtransaction", [...READS, "not_found"]],
  ["gettxout", [...READS, "not_found"]],
  ["getblockhash", READS],
  ["getblock", READS],
  ["estimatesmartfee", ["rpc_error", "http_500", "reset", "garbled"]],
  [
    "sendrawtransaction",
    [
      "rpc_error",
      "http_500",
      "reset",
      "reset_after",
      "timeout",
      "garbled",
      "already_in_chain",
      "already_known",
      "missing_inputs",
      "fee_refused",
    ],
  ],
];

/** One hub run's faults: none at all (three runs in ten), or some methods failing, often every call. */
function planFor(random: () => number): FaultPlan {
  const seed = Math.floor(random() * 2 ** 31);
  if (random() < 0.3) return { seed, rules: [] };
  const rules: FaultRule[] = [];
  for (const [method, kinds] of METHOD_FAULTS) {
    if (random() < 0.45) rules.push({ methods: [method], kinds, rate: random() < 0.4 ? 1 : 0.3 });
  }
  return { seed, rules, holdMs: HUB_TIMEOUT_MS + 300 };
}

/** What money and settlement state consist of: a run that met only faults must leave it as it was. */
async function moneyState() {
  const rows = await Promise.all(
    [
      "SELECT settlement_id, idx, status, version, txid, confirmed_txid, confirmations FROM settlement_txs ORDER BY 1, 2",
      "SELECT id, status, txid FROM payouts ORDER BY id",
      "SELECT account, balance_msat FROM ledger_balances ORDER BY account",
      "SELECT id, status FROM channels ORDER BY id",
      "SELECT txid, vout, status FROM hub_utxos ORDER BY txid, vout",
      "SELECT id, status FROM settlements ORDER BY id",
    ].map((sql) => env.DB.prepare(sql).all()),
  );
  return JSON.stringify(rows.map((r) => r.results));
}

interface Shop {
  key: string;
  payout: { script: string };
}

/**
 * A hub run through the faulty proxy, then the checks every step must pass: each shop paid at
 * most once on chain, the ledger invariant, and nothing changed by a run that got nowhere.
 */
async function faultyRun(where: string, random: () => number, shops: readonly Shop[], fromHeight: number) {
  const before = await moneyState();
  await proxy.plan(planFor(random));
  let report: Awaited<ReturnType<typeof runWith>> | null = null;
  try {
    report = await runWith(h, { chain: faulty });
  } finally {
    await proxy.off();
  }
  // Runs take the lease at the same clock: let the next one take it.
  clock.advanceSeconds(LIMITS.settlementLeaseSeconds + 1);
  if (report.chainError && report.steps.length === 0 && report.planned === null) {
    expect(await moneyState(), `${where}: a run that met only faults changed nothing`).toBe(before);
  }
  await checkPaidAtMostOnce(where, shops, fromHeight);
  return report;
}

async function checkPaidAtMostOnce(where: string, shops: readonly Shop[], fromHeight: number) {
  for (const shop of shops) {
    const paid = await outputsPaying(shop.payout.script, fromHeight);
    expect(paid.length, `${where}: outputs on chain paying one shop`).toBeLessThanOrEqual(1);
  }
  expect(await ledgerViolations(), `${where}: ledger invariant`).toEqual([]);
}

/** At the end: each shop paid exactly once on chain, by its one confirmed payout. */
async function checkPaidExactlyOnce(where: string, shops: readonly Shop[], fromHeight: number) {
  for (const shop of shops) {
    const payouts = (await h.call("GET", "/v1/payouts", { key: shop.key })).body.data;
    const confirmed = payouts.filter((p: { status: string }) => p.status === "confirmed");
    expect(confirmed, `${where}: one confirmed payout`).toHaveLength(1);
    expect(await outputsPaying(shop.payout.script, fromHeight), `${where}: paid once on chain`).toEqual([
      { txid: confirmed[0].txid, vout: confirmed[0].vout, valueSat: BigInt(confirmed[0].amount_sat) },
    ]);
  }
  expect(await ledgerViolations(), `${where}: ledger invariant`).toEqual([]);
}

/** A merchant with a payout address paid `amountMsat` from `payer`'s channel. */
async function paidShop(name: string, amountMsat: number, payer: Awaited<ReturnType<typeof openChannel>>) {
  const shop = await merchantWithPayouts(h, name);
  const inv = await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: amountMsat } });
  await payer.wallet.pay(client, inv.body.bolt11, { channelId: payer.channelId });
  return shop;
}

const activeTx = () =>
  env.DB.prepare(
    `SELECT t.settlement_id, t.status, t.version, t.txid, t.raw_tx, t.fee_sat FROM settlement_txs t
     JOIN settlements s ON s.id = t.settlement_id WHERE s.active = 1 ORDER BY t.idx LIMIT 1`,
  ).first<{
    settlement_id: string;
    status: string;
    version: number;
    txid: string | null;
    raw_tx: string | null;
    fee_sat: number;
  }>();

const versionsOf = async (settlementId: string) =>
  (
    await env.DB.prepare(
      "SELECT txid, raw_tx FROM settlement_tx_versions WHERE settlement_id = ? ORDER BY version",
    )
      .bind(settlementId)
      .all<{ txid: string; raw_tx: string }>()
  ).results;

/** The node's own view of a transaction, straight from it (no faults): null when unknown. */
async function onNode(txid: string) {
  try {
    return await call<{ confirmations?: number; blockhash?: string }>("getrawtransaction", [txid, true]);
  } catch {
    return null;
  }
}

const abandonedCount = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM settlements WHERE status = 'abandoned'").first<{
    n: number;
  }>())!.n;

describe("what the chain backend makes of a node that errs", () => {
  it("only 'not found' means an unknown transaction; every other failure is unavailable", async () => {
    const known = (await fund(`0014${"ab".repeat(20)}`, 20_000)).txid;
    const unknown = "11".repeat(32);
    await proxy.off();
    expect(await faulty.getTransaction(unknown)).toBeNull();
    expect((await faulty.getTransaction(known))?.txid).toBe(known);
    const failing: FaultKind[] = ["rpc_error", "http_500", "reset", "timeout", "garbled"];
    for (let seed = 1; seed <= 10; seed++) {
      const kind = failing[seed % failing.length]!;
      const where = `seed ${seed} (${kind})`;
      await proxy.plan({
        seed,
        rules: [{ methods: ["getrawtransaction", "getblockcount", "gettxout"], kinds: [kind], rate: 1 }],
        holdMs: HUB_TIMEOUT_MS + 300,
      });
      for (const txid of [known, unknown]) {
        await expect(faulty.getTransaction(txid), where).rejects.toMatchObject({ kind: "unavailable" });
      }
      await expect(faulty.tipHeight(), where).rejects.toMatchObject({ kind: "unavailable" });
      await expect(faulty.isUnspent(known, 0), where).rejects.toMatchObject({ kind: "unavailable" });
    }
    // "Not found", as Bitcoin Core (−5) or bcoin (−1 "Transaction not found.") says it, is unknown.
    for (let seed = 1; seed <= 4; seed++) {
      await proxy.plan({ seed, rules: [{ methods: ["getrawtransaction"], kinds: ["not_found"], rate: 1 }] });
      expect(await faulty.getTransaction(known), `seed ${seed}`).toBeNull();
    }
    await proxy.off();
    expect((await faulty.getTransaction(known))?.inputs.length).toBe(1);
  });

  it("a refusal of a transaction the node holds is no refusal; a node that cannot judge it is unavailable", async () => {
    const paid = await fund(`0014${"cd".repeat(20)}`, 20_000);
    const raw = await call<string>("getrawtransaction", [paid.txid, false]);
    for (const kind of ["already_in_chain", "already_known"] as const) {
      await proxy.plan({ seed: 1, rules: [{ methods: ["sendrawtransaction"], kinds: [kind], rate: 1 }] });
      expect(await faulty.broadcast(raw), kind).toBe(paid.txid);
    }
    await proxy.plan({
      seed: 2,
      rules: [{ methods: ["sendrawtransaction"], kinds: ["rpc_error"], rate: 1 }],
    });
    await expect(faulty.broadcast(raw)).rejects.toMatchObject({ kind: "unavailable" });
    // A transaction the node does not hold, refused: a refusal, with the reason it gave.
    const unsent = parseTx(hexToBytes(raw));
    const other = { ...unsent, locktime: unsent.locktime + 1 };
    await proxy.plan({
      seed: 3,
      rules: [{ methods: ["sendrawtransaction"], kinds: ["missing_inputs"], rate: 1 }],
    });
    await expect(faulty.broadcast(txHex(other))).rejects.toSatisfy(
      (e: unknown) => e instanceof ChainError && e.kind === "rejected" && e.refusal === "other",
    );
    expect(txidOf(other)).not.toBe(paid.txid);
    await proxy.off();
  });
});

describe("settlement through a node that errs", () => {
  it("the issue's sequence: a confirmed settlement, getrawtransaction failing, 'already in utxo set' — nothing changes, paid once", {
    timeout: 120_000,
  }, async () => {
    await fundHubWallet(h, 20_000_000);
    const payer = await openChannel(h, 1_000_000);
    const shop = await paidShop("Issue Shop", 300_000_000, payer);
    const start = await chain.tipHeight();
    const planned = (await runWith(h, { chain })).planned!;
    clock.advanceSeconds(LIMITS.settlementLeaseSeconds + 1);
    await mine(1);
    await runWith(h, { chain });
    clock.advanceSeconds(LIMITS.settlementLeaseSeconds + 1);
    expect((await activeTx())?.status).toBe("confirmed");
    const before = await moneyState();
    for (let seed = 1; seed <= 4; seed++) {
      await proxy.plan({
        seed,
        rules: [
          { methods: ["getrawtransaction"], kinds: ["rpc_error", "http_500", "garbled", "timeout"], rate: 1 },
          { methods: ["sendrawtransaction"], kinds: ["already_in_chain"], rate: 1 },
        ],
        holdMs: HUB_TIMEOUT_MS + 300,
      });
      const run = await runWith(h, { chain: faulty });
      clock.advanceSeconds(LIMITS.settlementLeaseSeconds + 1);
      expect(run.chainError, `seed ${seed}`).not.toBeNull();
      expect(await moneyState(), `seed ${seed}: nothing changed`).toBe(before);
    }
    await proxy.off();
    await mine(1);
    await runWith(h, { chain: faulty });
    expect((await h.call("GET", `/v1/settlements/${planned}`)).body.status).toBe("final");
    await checkPaidExactlyOnce("issue sequence", [shop], start + 1);
  });

  it(`${SETTLEMENT_SEEDS} seeds of faults through whole settlements, with rebroadcasts, fee bumps and reorgs: paid once`, {
    timeout: 600_000,
  }, async () => {
    await fundHubWallet(h, 50_000_000);
    const abandonedBefore = await abandonedCount();
    const seenSteps = { bumped: 0, reorged: 0, rebroadcast: 0 };
    for (let seed = 1; seed <= SETTLEMENT_SEEDS; seed++) {
      const random = prng(seed);
      const payer = await openChannel(h, 2_000_000);
      const shops: Shop[] = [];
      for (let m = 0; m < 1 + Math.floor(random() * 2); m++) {
        shops.push(
          await paidShop(`Node fault ${seed}.${m}`, 200_000_000 + Math.floor(random() * 300_000_000), payer),
        );
      }
      const wantBump = random() < 0.5;
      const wantReorg = random() < 0.6;
      let stage: "sending" | "stuck" | "bumped" = "sending";
      let reorged = false;
      let settlementId: string | null = null;
      const start = await chain.tipHeight();
      let round = 0;
      for (; round < MAX_ROUNDS; round++) {
        const where = `seed ${seed} round ${round}`;
        const report = await faultyRun(where, random, shops, start + 1);
        for (const step of report.steps) {
          if (step.includes("bump")) seenSteps.bumped++;
          if (step.includes("reorged")) seenSteps.reorged++;
          if (step.includes("rebroadcast")) seenSteps.rebroadcast++;
        }
        settlementId ??= report.planned;
        const tx = await activeTx();
        if (!tx) {
          if (settlementId) break;
          continue;
        }
        settlementId ??= tx.settlement_id;
        const versions = await versionsOf(tx.settlement_id);
        const views = await Promise.all(versions.map((v) => onNode(v.txid)));
        const confirmedAt = views.findIndex((v) => (v?.confirmations ?? 0) > 0);
        const held = views.some((v) => v !== null);
        if (confirmedAt >= 0) {
          // A reorg takes the confirming block away once the hub has seen it confirmed.
          if (wantReorg && !reorged && tx.status === "confirmed") {
            await call("invalidateblock", [views[confirmedAt]!.blockhash]);
            reorged = true;
          } else await mine(1);
        } else if (held && tx.status === "broadcast" && wantBump && stage === "sending") {
          // Stuck: the node keeps it but never mines it, until the hub bumps the fee.
          await call("prioritisetransaction", [tx.txid, 0, -tx.fee_sat]);
          await mine(Number(SETTLE_ENV.SETTLEMENT_BUMP_AFTER_BLOCKS));
          stage = "stuck";
        } else if (stage === "stuck" && tx.version > 0) {
          // A miner who got the replacement mines it (bcoin never replaces a mempool transaction).
          await mineBlockWith([versions.at(-1)!.raw_tx]);
          stage = "bumped";
        } else if (held && stage !== "stuck") await mine(1);
      }
      const where = `seed ${seed} (bump ${wantBump}, reorg ${wantReorg})`;
      expect(round, `${where}: settled within ${MAX_ROUNDS} rounds`).toBeLessThan(MAX_ROUNDS);
      expect((await h.call("GET", `/v1/settlements/${settlementId}`)).body.status, where).toBe("final");
      await checkPaidExactlyOnce(where, shops, start + 1);
    }
    // No payer refunded anything: abandoning any settlement would have been without proof.
    expect(await abandonedCount()).toBe(abandonedBefore);
    // The seeds did go through bumps, reorgs and rebroadcasts (not only the easy path).
    expect(seenSteps.bumped, JSON.stringify(seenSteps)).toBeGreaterThan(0);
    expect(seenSteps.reorged, JSON.stringify(seenSteps)).toBeGreaterThan(0);
    expect(seenSteps.rebroadcast, JSON.stringify(seenSteps)).toBeGreaterThan(0);
    const { calls, faults } = await proxy.counts();
    expect(Object.keys(faults).length, "fault kinds injected").toBeGreaterThan(20);
    console.log(
      `node faults: ${calls} calls, injected ${JSON.stringify(faults)} steps ${JSON.stringify(seenSteps)}`,
    );
  });

  it(`${REFUND_SEEDS} seeds of a payer's refund racing a settlement: abandoned only when it is deep`, {
    timeout: 600_000,
  }, async () => {
    await fundHubWallet(h, 20_000_000);
    let abandoned = await abandonedCount();
    const variants = ["mempool only", "shallow, then reorged out", "deep"] as const;
    for (let seed = 1; seed <= REFUND_SEEDS; seed++) {
      const random = prng(1000 + seed);
      const variant = variants[seed % variants.length]!;
      const where = `refund seed ${seed} (${variant})`;
      const payer = await openChannel(h, 300_000);
      const shop = await paidShop(`Refund race ${seed}`, 100_000_000, payer);
      const channel = await client.channel(payer.channelId);
      await mineTo(channel.refund_locktime - 6);
      const start = await chain.tipHeight();
      // Plan and sign, and stop right there (a crash before the broadcast): the payer gets there first.
      // (Straight to the node: a stale tip here could leave the expiring channel out of the plan.)
      class Crash extends Error {}
      await expect(
        runWith(h, {
          fault: (step) => {
            if (step === "after_sign") throw new Crash();
          },
        }),
      ).rejects.toBeInstanceOf(Crash);
      clock.advanceSeconds(LIMITS.settlementLeaseSeconds + 1);
      const ours = (await activeTx())!;
      expect(ours.status, where).toBe("signed");
      await mineTo(channel.refund_locktime);
      const refund = await payer.wallet.buildRefund(payer.channelId, 2);
      let refundBlock: string | null = null;
      if (variant === "mempool only") {
        await chain.broadcast(refund.hex);
        expect(await mempool(), where).toContain(txidOf(parseTx(hexToBytes(refund.hex))));
      } else {
        refundBlock = await mineBlockWith([refund.hex]);
      }
      // The hub tries, the node refuses (an input is spent): the refund is not deep enough to prove anything.
      for (let round = 0; round < 3; round++) {
        await faultyRun(`${where} racing ${round}`, random, [shop], start + 1);
        expect(await abandonedCount(), `${where} racing ${round}: not abandoned`).toBe(abandoned);
      }
      if (variant !== "deep") {
        // The refund loses: a reorg takes its block away (or it never left the mempool), and a
        // miner mines the hub's transaction instead.
        if (refundBlock) await call("invalidateblock", [refundBlock]);
        await mineBlockWith([ours.raw_tx!]);
        for (let round = 0; (await activeTx()) && round < MAX_ROUNDS; round++) {
          await faultyRun(`${where} final ${round}`, random, [shop], start + 1);
          if ((await activeTx())?.status === "confirmed") await mine(1);
        }
        expect(await activeTx(), `${where}: settled`).toBeNull();
        expect((await client.channel(payer.channelId)).status, where).toBe("closed");
        await checkPaidExactlyOnce(where, [shop], start + 1);
        continue;
      }
      // Deep: the refund reaches settlement_confirmations; the hub abandons, and the next settlement pays.
      await mine(1);
      for (
        let round = 0;
        (await activeTx())?.settlement_id === ours.settlement_id && round < MAX_ROUNDS;
        round++
      ) {
        await faultyRun(`${where} abandoning ${round}`, random, [shop], start + 1);
      }
      abandoned++;
      expect(await abandonedCount(), `${where}: abandoned`).toBe(abandoned);
      expect((await client.channel(payer.channelId)).status, where).toBe("refunded");
      for (let round = 0; round < MAX_ROUNDS; round++) {
        await faultyRun(`${where} paying ${round}`, random, [shop], start + 1);
        const tx = await activeTx();
        if (!tx && (await outputsPaying(shop.payout.script, start + 1)).length > 0) break;
        if (tx && (await onNode(tx.txid ?? ""))) await mine(1);
      }
      await checkPaidExactlyOnce(where, [shop], start + 1);
    }
  });
});
