/**
 * The settlement run (DESIGN.md §8): plan → persist → sign (persist bytes) → broadcast (verify) →
 * count confirmations → final, with rebroadcast of dropped bytes, RBF bumps of stuck ones and a
 * step back on reorgs. Every step is a guarded batch and every replacement spends the same inputs,
 * so a crash anywhere or two overlapping runs can at worst redo a step, never pay twice.
 */
import { ChainError, type ChainBackend, type ChainSpend, type ChainTx } from "../chain/backend";
import { DUST_LIMIT_SAT } from "../chain/channel";
import { p2wpkh } from "../chain/script";
import { transitionWithConsequences } from "../channels/service";
import {
  channelsToClose,
  closedStatements,
  closePlannedStatements,
  getChannel,
  releasedStatements,
} from "../channels/store";
import { renderChannel } from "../channels/view";
import type { Config } from "../config";
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { bytesToHex } from "../crypto";
import { type Db, isGuardAbort, runBatch, type Statement } from "../db/client";
import type { EventType, OutboxEvent } from "../events/event";
import { insertEventIfChangedStatement, insertEventStatement } from "../events/store";
import {
  channelClosed,
  hubDeposit,
  payoutFailed,
  payoutFinal,
  payoutPlanned,
  settlementFee,
} from "../ledger/rules";
import { equityOf, journalStatements, liabilityBalances } from "../ledger/store";
import { bumpedFeeSat, signPlannedTx, withFee } from "./build";
import { planSettlement } from "./plan";
import {
  abandonment,
  closeReasonOf,
  type InputEvidence,
  type Seen,
  settlementDue,
  toCloseCandidate,
  watch,
} from "./rules";
import { hubCostMsat, type SkipReason } from "./settlement";
import {
  abandonTxStatements,
  activeSettlement,
  availableCoins,
  broadcastFailedStatement,
  broadcastStatements,
  bumpStatements,
  confirmedStatements,
  finalTxStatements,
  getHubUtxo,
  insertHubUtxoStatement,
  isSettlementTxid,
  insertLeavesStatements,
  insertPayoutStatement,
  insertSettlementStatements,
  lastSettlementAt,
  payoutBroadcastStatement,
  payoutCandidates,
  payoutConfirmedStatements,
  payoutFailedStatements,
  payoutsOf,
  type PayoutRow,
  reorgedStatements,
  releaseLease,
  reserveCoinStatements,
  reservedCoinStatements,
  type SettlementRow,
  type SettlementTxRow,
  settlementTxs,
  signedStatements,
  syncSettlementStatement,
  takeLease,
  txVersions,
} from "./store";
import { renderHubUtxo, renderPayout } from "./view";

/** Where a test may crash a run (DESIGN.md §8's dangerous moments); a throw there is the crash. */
export type FaultStep = "after_plan" | "after_sign" | "after_broadcast" | "before_final_bookkeeping";

export interface SettlementDeps {
  readonly db: Db;
  readonly chain: ChainBackend;
  readonly config: Config;
  readonly nowMs: number;
  readonly random: RandomBytes;
  /** Test seam: called at each FaultStep; throwing there leaves things as a crash would. */
  readonly fault?: (step: FaultStep) => void;
}

export interface SettlementReport {
  /** False when another run held the lease: this one did nothing. */
  readonly ran: boolean;
  /** The settlement this run planned, if any. */
  readonly planned: string | null;
  /** The settlement in flight after this run, if any, and its status. */
  readonly active: { readonly id: string; readonly status: SettlementRow["status"] } | null;
  readonly skipped: readonly { key: string; reason: SkipReason }[];
  /** What happened to each transaction, in order (e.g. "stl_…:0 signed"). */
  readonly steps: readonly string[];
  /** Set when the node was unreachable: nothing was changed past that point. */
  readonly chainError: string | null;
}

const seconds = (deps: SettlementDeps) => Math.floor(deps.nowMs / 1000);

function event(
  deps: SettlementDeps,
  type: EventType,
  merchantId: string | null,
  objectId: string,
  object: unknown,
): OutboxEvent {
  return {
    id: newId("event", deps.nowMs, deps.random),
    merchantId,
    type,
    objectId,
    dedupeKey: `${type}:${objectId}`,
    createdAt: seconds(deps),
    object,
  };
}

/** A batch that another run may have made first: false then (nothing changed). */
async function tryBatch(db: Db, statements: readonly Statement[]): Promise<boolean> {
  try {
    await runBatch(db, statements);
    return true;
  } catch (e) {
    if (isGuardAbort(e)) return false;
    throw e;
  }
}

/**
 * One settlement run, bounded: advance the settlement in flight, or plan a new one when due
 * (or `force`d by the operator) and take it as far as it goes now.
 */
export async function runSettlement(
  deps: SettlementDeps,
  options: { force: boolean },
): Promise<SettlementReport> {
  const { db } = deps;
  const leaseUntilMs = deps.nowMs + LIMITS.settlementLeaseSeconds * 1000;
  if (!(await takeLease(db, deps.nowMs, leaseUntilMs))) {
    return { ran: false, planned: null, active: null, skipped: [], steps: [], chainError: null };
  }
  const steps: string[] = [];
  let planned: string | null = null;
  let skipped: { key: string; reason: SkipReason }[] = [];
  let chainError: string | null = null;
  try {
    let active = await activeSettlement(db);
    if (
      !active &&
      settlementDue(
        await lastSettlementAt(db),
        seconds(deps),
        deps.config.settlement.intervalSeconds,
        options.force,
      )
    ) {
      const outcome = await planAndPersist(deps);
      skipped = outcome.skipped;
      planned = outcome.planned;
      if (planned) {
        steps.push(`${planned} planned`);
        deps.fault?.("after_plan");
        active = await activeSettlement(db);
      }
    }
    if (active) await advance(deps, active, steps);
  } catch (e) {
    // The node went away mid-run: every step so far is persisted; the next run resumes.
    if (!(e instanceof ChainError)) throw e;
    chainError = e.message;
  }
  // Released only by a run that finished; a crashed one holds it until it expires.
  await releaseLease(db, leaseUntilMs);
  const after = await activeSettlement(db);
  return {
    ran: true,
    planned,
    active: after ? { id: after.id, status: after.status } : null,
    skipped,
    steps,
    chainError,
  };
}

/** Snapshot → plan (pure) → one batch: the settlement, its transactions, payouts moved to pending, channels to closing, coins reserved, leaves. */
async function planAndPersist(
  deps: SettlementDeps,
): Promise<{ planned: string | null; skipped: { key: string; reason: SkipReason }[] }> {
  const { db, chain, config } = deps;
  const policy = config.settlement;
  const tipHeight = await chain.tipHeight();
  const feeRate = Math.min(policy.maxFeeRateSatPerVb, await chain.feeRateSatPerVb(policy.feeTargetBlocks));
  const channels = await channelsToClose(
    db,
    tipHeight,
    config.channel.closeMarginBlocks,
    LIMITS.settlementClosesPerRun,
  );
  const closes = channels.map((c) =>
    toCloseCandidate(c, closeReasonOf(c, tipHeight, config.channel.closeMarginBlocks)),
  );
  const [payouts, coins, liabilities, equity] = await Promise.all([
    // The least a P2WSH/P2TR payout (43 vB, the largest output the hub pays) needs to clear dust.
    payoutCandidates(
      db,
      policy.defaultPayoutThresholdMsat,
      LIMITS.settlementPayoutsPerRun,
      (DUST_LIMIT_SAT + 43n * BigInt(feeRate)) * 1000n,
    ),
    availableCoins(db, LIMITS.settlementHubInputsPerTx * 10),
    liabilityBalances(db),
    equityOf(db),
  ]);
  if (closes.length === 0 && payouts.length === 0) return { planned: null, skipped: [] };
  // Candidates and liabilities are separate reads: never offer more than the liabilities snapshot
  // holds (a refund in between would otherwise make the plan overdraw); the batch CHECKs the rest.
  const owed = new Map(liabilities.map((l) => [l.owner, l.balanceMsat]));
  const payable = payouts
    .map((p) => {
      const held = owed.get(`${p.kind === "merchant" ? "merchant" : "refund_owed"}:${p.ownerId}`) ?? 0n;
      return { ...p, availableMsat: p.availableMsat < held ? p.availableMsat : held };
    })
    .filter((p) => p.availableMsat > 0n);
  const settlementId = newId("settlement", deps.nowMs, deps.random);
  const plan = planSettlement({
    settlementId,
    closes,
    payouts: payable,
    coins,
    liabilities,
    leafSaltSeed: deps.random(32),
    hubEquityMsat: equity.feesMsat + equity.capitalMsat,
    feeRateSatPerVb: feeRate,
    changeScript: bytesToHex(p2wpkh(config.keys.wallet.publicKey)),
    limits: {
      maxTxWeight: LIMITS.maxStandardTxWeight,
      dustSat: DUST_LIMIT_SAT,
      maxHubInputsPerTx: LIMITS.settlementHubInputsPerTx,
    },
  });
  if (plan.txs.length === 0) return { planned: null, skipped: [...plan.skipped] };
  const now = seconds(deps);
  const byId = new Map(channels.map((c) => [c.id, c]));
  const statements: Statement[] = [
    ...insertSettlementStatements(
      db,
      {
        id: settlementId,
        merkleRoot: bytesToHex(plan.merkleRoot),
        totalLiabilitiesMsat: plan.totalLiabilitiesMsat,
        feeRateSatPerVb: feeRate,
        txCount: plan.txs.length,
        payoutCount: plan.payouts.length,
        closeCount: plan.closes.length,
        createdAt: now,
      },
      plan.txs,
    ),
    ...plan.closes.flatMap((c) =>
      closePlannedStatements(db, byId.get(c.candidate.channelId)!, settlementId, c.candidate.reason, now),
    ),
    ...plan.coins.flatMap((coin) => reserveCoinStatements(db, coin, settlementId)),
  ];
  for (const p of plan.payouts) {
    const row: PayoutRow = {
      id: newId("payout", deps.nowMs, deps.random),
      settlementId,
      txIdx: p.txIndex,
      vout: p.vout,
      kind: p.kind,
      merchantId: p.kind === "merchant" ? p.ownerId : null,
      channelId: p.kind === "refund" ? p.ownerId : null,
      scriptPubkey: p.script,
      amountSat: p.amountSat,
      feeShareSat: p.feeShareSat,
      debitMsat: p.debitMsat,
      status: "pending",
      txid: null,
      createdAt: now,
      broadcastAt: null,
      confirmedAt: null,
    };
    statements.push(
      insertPayoutStatement(db, row),
      ...journalStatements(db, payoutPlanned(row.id, p.key, p.debitMsat, now)),
    );
    if (row.merchantId) {
      statements.push(
        insertEventStatement(
          db,
          event(deps, "payout.pending", row.merchantId, row.id, renderPayout(row, config.network)),
        ),
      );
    }
  }
  statements.push(...insertLeavesStatements(db, settlementId, plan.leaves));
  // Another run, a payment or a close request changed what we planned on: plan again next run.
  if (!(await tryBatch(db, statements))) return { planned: null, skipped: [...plan.skipped] };
  return { planned: settlementId, skipped: [...plan.skipped] };
}

/** Takes each transaction of the settlement in flight as far as it can go now. */
async function advance(deps: SettlementDeps, settlement: SettlementRow, steps: string[]): Promise<void> {
  const tipHeight = await deps.chain.tipHeight();
  for (const first of await settlementTxs(deps.db, settlement.id)) {
    let tx: SettlementTxRow | undefined = first;
    // A few steps per transaction per run (planned → signed → broadcast); a bump ends the run's
    // work on it, so a refused transaction's fee rises once per run, not in a burst.
    for (let step = 0; tx && step < 4; step++) {
      const did = await stepTx(deps, settlement, tx, tipHeight);
      if (did === null) break;
      steps.push(`${settlement.id}:${tx.idx} ${did}`);
      if (did.includes("bump")) break;
      tx = (await settlementTxs(deps.db, settlement.id)).find((t) => t.idx === first.idx);
    }
  }
}

/** One step of one transaction; the name of what happened, or null when there is nothing to do now. */
async function stepTx(
  deps: SettlementDeps,
  settlement: SettlementRow,
  tx: SettlementTxRow,
  tipHeight: number,
): Promise<string | null> {
  switch (tx.status) {
    case "planned":
      return sign(deps, tx);
    case "signed":
      return send(deps, tx, tipHeight);
    case "broadcast":
    case "confirmed":
      return observe(deps, settlement, tx, tipHeight);
    case "final":
    case "abandoned":
      return null;
  }
}

/** Signs the planned transaction and persists its bytes and txid before anything is sent. */
async function sign(deps: SettlementDeps, tx: SettlementTxRow): Promise<string | null> {
  const signed = signPlannedTx(tx.plan, deps.config.keys);
  if (!(await tryBatch(deps.db, signedStatements(deps.db, tx, signed, seconds(deps))))) return null;
  deps.fault?.("after_sign");
  return "signed";
}

/** Marks a transaction broadcast (the node holds a version of it) and its payouts with it. */
async function markBroadcast(deps: SettlementDeps, tx: SettlementTxRow, tipHeight: number): Promise<boolean> {
  const { db, config } = deps;
  const statements = [...broadcastStatements(db, tx, tipHeight, seconds(deps))];
  for (const payout of await payoutsOf(db, tx.settlementId, tx.idx)) {
    const sent: PayoutRow = { ...payout, status: "broadcast", txid: tx.txid, broadcastAt: seconds(deps) };
    statements.push(payoutBroadcastStatement(db, payout.id, tx.txid!, seconds(deps)));
    if (payout.merchantId) {
      statements.push(
        insertEventIfChangedStatement(
          db,
          event(deps, "payout.broadcast", payout.merchantId, payout.id, renderPayout(sent, config.network)),
        ),
      );
    }
  }
  return tryBatch(db, statements);
}

/**
 * Sends the current version and checks the node holds it (ChainBackend.broadcast verifies). If
 * the node refuses it but holds an earlier version (a node without replace-by-fee), that one is
 * live and we watch all of them; if it holds none, the next run bumps the fee.
 */
async function send(
  deps: SettlementDeps,
  tx: SettlementTxRow,
  tipHeight: number,
  mayBump = true,
): Promise<string | null> {
  const { chain, db } = deps;
  if (tx.rawTx === null || tx.txid === null)
    throw new Error(`signed transaction ${tx.settlementId}:${tx.idx} has no bytes`);
  if (!(await chain.getTransaction(tx.txid))) {
    try {
      await chain.broadcast(tx.rawTx);
    } catch (e) {
      if (!(e instanceof ChainError) || e.kind !== "rejected") throw e;
      const live = await liveVersions(deps, tx);
      if (!live.some((seen) => seen !== null)) {
        // Nothing of it is on the node. A fee the node now finds too low calls for a bump; any
        // other refusal (an input it cannot see yet, or spent) waits, unless another transaction
        // is proven to have spent an input for good.
        if (e.refusal !== "fee")
          return (await abandonIfProven(deps, tx, e.message))
            ? "abandoned: an input was spent elsewhere"
            : null;
        await runBatch(db, [broadcastFailedStatement(db, tx, e.message)]);
        if (!mayBump) return null;
        return (await bump(deps, tx, tipHeight)) ? "bumped after the node refused its fee" : null;
      }
      await runBatch(db, [broadcastFailedStatement(db, tx, e.message)]);
    }
    deps.fault?.("after_broadcast");
  }
  return (await markBroadcast(deps, tx, tipHeight)) ? "broadcast" : null;
}

/** What the node says of each version of a transaction, oldest first. */
async function liveVersions(
  deps: SettlementDeps,
  tx: SettlementTxRow,
  known?: readonly { txid: string }[],
): Promise<Seen[]> {
  const versions = known ?? (await txVersions(deps.db, tx.settlementId, tx.idx));
  return Promise.all(
    versions.map(async (v) => {
      const seen = await deps.chain.getTransaction(v.txid);
      return seen ? seen.confirmations : null;
    }),
  );
}

/** Confirmations, finality, reorgs, drops and stuck transactions (rules.ts `watch` decides). */
async function observe(
  deps: SettlementDeps,
  settlement: SettlementRow,
  tx: SettlementTxRow,
  tipHeight: number,
): Promise<string | null> {
  const { db, config } = deps;
  const versions = await txVersions(db, tx.settlementId, tx.idx);
  const seen = await liveVersions(deps, tx, versions);
  const confirmedVersion = versions.findIndex((v) => v.txid === tx.confirmedTxid);
  const action = watch(
    { ...tx, confirmedVersion: confirmedVersion >= 0 ? confirmedVersion : null },
    seen,
    tipHeight,
    {
      finalConfirmations: config.settlement.confirmations,
      bumpAfterBlocks: config.settlement.bumpAfterBlocks,
    },
  );
  const now = seconds(deps);
  switch (action.kind) {
    case "final": {
      deps.fault?.("before_final_bookkeeping");
      return (await finalize(deps, settlement, tx, versions[action.version]!, action.confirmations))
        ? "final"
        : null;
    }
    case "confirmed":
      return (await tryBatch(
        db,
        confirmedStatements(db, tx, versions[action.version]!.txid, action.confirmations, now),
      ))
        ? `confirmed (${action.confirmations})`
        : null;
    case "reorged":
      return (await tryBatch(db, reorgedStatements(db, tx, tipHeight, now)))
        ? "reorged out: back to broadcast"
        : null;
    case "rebroadcast": {
      try {
        await deps.chain.broadcast(tx.rawTx!);
        return "rebroadcast (the node had dropped it)";
      } catch (e) {
        if (!(e instanceof ChainError) || e.kind !== "rejected") throw e;
        if (e.refusal !== "fee")
          return (await abandonIfProven(deps, tx, e.message))
            ? "abandoned: an input was spent elsewhere"
            : null;
        await runBatch(db, [broadcastFailedStatement(db, tx, e.message)]);
        return (await bump(deps, tx, tipHeight)) ? "bumped after a rebroadcast refused for its fee" : null;
      }
    }
    case "bump":
      return (await bump(deps, tx, tipHeight)) ? "fee bumped (stuck)" : null;
    case "wait":
      return null;
  }
}

/**
 * Replaces a transaction by a higher-fee version spending the same inputs (BIP 125), persisted
 * signed before it is sent. The hub pays the difference from its change; payouts are untouched.
 */
async function bump(deps: SettlementDeps, tx: SettlementTxRow, tipHeight: number): Promise<boolean> {
  const { db, chain, config } = deps;
  const why = (reason: string) => runBatch(db, [broadcastFailedStatement(db, tx, reason)]).then(() => false);
  if (tx.version >= LIMITS.settlementMaxFeeBumps)
    return why("fee bump limit reached: the operator must look");
  const target = Math.min(
    config.settlement.maxFeeRateSatPerVb,
    await chain.feeRateSatPerVb(config.settlement.feeTargetBlocks),
  );
  const capSat = BigInt(config.settlement.maxFeeRateSatPerVb) * BigInt(tx.plan.vsize);
  const wanted = bumpedFeeSat(tx.plan, target);
  const feeSat = wanted > capSat ? capSat : wanted;
  if (feeSat <= tx.plan.feeSat) return why("fee already at MAX_FEE_RATE_SAT_PER_VB");
  const plan = withFee(tx.plan, feeSat, DUST_LIMIT_SAT);
  if (!plan) return why("the change cannot pay a higher fee");
  // The hub's equity must still cover every unfinished transaction's share, this bump included.
  const equity = await equityOf(db);
  const open = (await settlementTxs(db, tx.settlementId)).filter(
    (t) => t.status !== "final" && t.idx !== tx.idx,
  );
  const committed = open.reduce((sum, t) => sum + hubCostMsat(t.plan), hubCostMsat(plan));
  // An expiring channel's close is bumped even past equity (as it was planned): the payer's refund would cost more.
  if (committed > equity.feesMsat + equity.capitalMsat && !plan.urgent) {
    return why("the hub's equity cannot pay a higher fee");
  }
  const signed = signPlannedTx(plan, config.keys);
  if (!(await tryBatch(db, bumpStatements(db, tx, plan, signed, tipHeight, seconds(deps))))) return false;
  const bumped = (await settlementTxs(db, tx.settlementId)).find((t) => t.idx === tx.idx)!;
  try {
    await send(deps, bumped, tipHeight, false);
  } catch (e) {
    // The replacement is persisted signed, so the bump stands: the next run sends it.
    if (!(e instanceof ChainError) || e.kind !== "unavailable") throw e;
  }
  return true;
}

/**
 * After the node refused a transaction and holds none of its versions: abandons it only on
 * proof that another transaction spent an input for good (rules.ts `abandonment` decides) — in
 * practice a payer's CLTV refund after refund_locktime, the only input not the hub's own.
 * Otherwise it notes why it waits; the next run looks again.
 */
async function abandonIfProven(deps: SettlementDeps, tx: SettlementTxRow, refusal: string): Promise<boolean> {
  const { db, config } = deps;
  const versions = await txVersions(db, tx.settlementId, tx.idx);
  const seen = await liveVersions(deps, tx, versions);
  const verdict = abandonment(
    versions.map((v) => v.txid),
    seen,
    await inputEvidence(deps, tx),
    config.settlement.confirmations,
  );
  if (verdict.kind === "keep") {
    await runBatch(db, [broadcastFailedStatement(db, tx, `${refusal}; waiting: ${verdict.reason}`)]);
    return false;
  }
  return abandon(deps, tx, new Set(verdict.spent));
}

/** What the chain shows of each input: spent in the best chain, and by which block transaction. */
async function inputEvidence(deps: SettlementDeps, tx: SettlementTxRow): Promise<InputEvidence[]> {
  const { db, chain } = deps;
  const inputs = tx.plan.inputs;
  const spentInChain: boolean[] = [];
  for (const input of inputs)
    spentInChain.push(!(await chain.isUnspent(input.txid, input.vout, { inChainOnly: true })));
  const spent = inputs.filter((_, i) => spentInChain[i]);
  const found: ChainSpend[] = [];
  const shown = new Map<string, ChainTx | null>();
  if (spent.length > 0) {
    // A payer's refund is invalid before its channel's refund_locktime: no block below it can hold one.
    let fromHeight = Number.MAX_SAFE_INTEGER;
    for (const input of spent) {
      const floor =
        input.kind === "channel" ? ((await getChannel(db, input.channelId))?.refundLocktime ?? 0) : 0;
      fromHeight = Math.min(fromHeight, floor);
    }
    found.push(
      ...(await chain.findSpends(spent, { fromHeight, maxBlocks: LIMITS.settlementSpendScanBlocks })),
    );
    for (const spend of found) {
      if (!shown.has(spend.txid)) shown.set(spend.txid, await chain.getTransaction(spend.txid));
    }
  }
  return inputs.map((input, i) => {
    const spend = found.find((f) => f.outpoint.txid === input.txid && f.outpoint.vout === input.vout);
    const spender = spend ? shown.get(spend.txid) : null;
    return {
      outpoint: `${input.txid}:${input.vout}`,
      spentInChain: spentInChain[i]!,
      spender: spender
        ? {
            txid: spender.txid,
            confirmations: spender.confirmations,
            spendsIt: spender.inputs.some((o) => o.txid === input.txid && o.vout === input.vout),
          }
        : null,
    };
  });
}

/**
 * Abandons a transaction in one batch: payouts failed and their amounts back on the balances
 * they came from, coins back in the wallet, channels whose output is still there released for
 * the next settlement, the ones whose output was `spent` booked as refunded (the hub's loss).
 */
async function abandon(
  deps: SettlementDeps,
  tx: SettlementTxRow,
  spent: ReadonlySet<string>,
): Promise<boolean> {
  const { db, config } = deps;
  const now = seconds(deps);
  const at = { nowMs: deps.nowMs, random: deps.random };
  const statements: Statement[] = [...abandonTxStatements(db, tx)];
  for (const payout of await payoutsOf(db, tx.settlementId, tx.idx)) {
    const from =
      payout.kind === "merchant" ? `merchant:${payout.merchantId}` : `refund_owed:${payout.channelId}`;
    statements.push(
      ...payoutFailedStatements(db, payout.id),
      ...journalStatements(db, payoutFailed(payout.id, from, payout.debitMsat, now)),
    );
    if (payout.merchantId) {
      const failed: PayoutRow = { ...payout, status: "failed" };
      statements.push(
        insertEventStatement(
          db,
          event(deps, "payout.failed", payout.merchantId, payout.id, renderPayout(failed, config.network)),
        ),
      );
    }
  }
  for (const input of tx.plan.inputs) {
    if (input.kind === "hub") {
      statements.push(...reservedCoinStatements(db, input, tx.settlementId, "released"));
      continue;
    }
    const channel = await getChannel(db, input.channelId);
    if (!channel) throw new Error(`settlement ${tx.settlementId} holds unknown channel ${input.channelId}`);
    if (spent.has(`${input.txid}:${input.vout}`)) {
      const gone = { ...channel, status: "refunded" as const, closedAt: now };
      statements.push(...(await transitionWithConsequences(db, channel, gone, config, at)));
    } else {
      statements.push(...releasedStatements(db, channel, tx.settlementId));
    }
  }
  statements.push(syncSettlementStatement(db, tx.settlementId, now));
  return tryBatch(db, statements);
}

/**
 * Books a transaction final with the version the chain holds: payouts confirmed and off the
 * books, channels closed, coins spent, change added, the hub's fee share paid, in one batch.
 */
async function finalize(
  deps: SettlementDeps,
  settlement: SettlementRow,
  tx: SettlementTxRow,
  confirmed: { txid: string; rawTx: string; plan: SettlementTxRow["plan"]; version: number },
  confirmations: number,
): Promise<boolean> {
  const { db, config } = deps;
  const now = seconds(deps);
  const plan = confirmed.plan;
  const statements: Statement[] = [...finalTxStatements(db, tx, confirmed, confirmations)];
  for (const payout of await payoutsOf(db, tx.settlementId, tx.idx)) {
    const done: PayoutRow = { ...payout, status: "confirmed", txid: confirmed.txid, confirmedAt: now };
    statements.push(
      ...payoutConfirmedStatements(db, payout.id, confirmed.txid, now),
      ...journalStatements(db, payoutFinal(payout.id, payout.amountSat, payout.feeShareSat, now)),
    );
    if (payout.merchantId) {
      statements.push(
        insertEventStatement(
          db,
          event(deps, "payout.confirmed", payout.merchantId, payout.id, renderPayout(done, config.network)),
        ),
      );
    }
  }
  let leftToHubMsat = 0n;
  for (const input of plan.inputs) {
    if (input.kind === "hub") {
      statements.push(...reservedCoinStatements(db, input, tx.settlementId, "spent"));
      continue;
    }
    const channel = await getChannel(db, input.channelId);
    if (!channel) throw new Error(`settlement ${settlement.id} closes unknown channel ${input.channelId}`);
    const payerOut = plan.outputs.find((o) => o.kind === "payer" && o.channelId === channel.id);
    const payerSat = payerOut ? payerOut.valueSat : 0n;
    leftToHubMsat += channel.payerBalanceMsat - payerSat * 1000n;
    const closed = { ...channel, status: "closed" as const, closedAt: now };
    statements.push(
      ...closedStatements(db, channel.id, tx.settlementId, now),
      ...journalStatements(db, channelClosed(channel.id, channel.payerBalanceMsat, payerSat, now)),
      insertEventStatement(
        db,
        event(deps, "channel.closed", null, channel.id, renderChannel(closed, config.network)),
      ),
    );
  }
  const changeVout = plan.outputs.length - 1;
  const change = plan.outputs[changeVout]!;
  statements.push(
    insertHubUtxoStatement(
      db,
      {
        txid: confirmed.txid,
        vout: changeVout,
        valueSat: change.valueSat,
        source: "change",
        createdBy: tx.settlementId,
      },
      now,
    ),
  );
  const equity = await equityOf(db);
  const hubFeeMsat = (plan.feeSat - plan.payeeFeeSat) * 1000n;
  statements.push(
    ...journalStatements(
      db,
      settlementFee(
        `${tx.settlementId}:${tx.idx}`,
        hubFeeMsat,
        { ...equity, feesMsat: equity.feesMsat + leftToHubMsat },
        now,
      ),
    ),
    syncSettlementStatement(db, tx.settlementId, now),
  );
  return tryBatch(db, statements);
}

/** Registers an operator deposit to the hub wallet, verified on chain (script, value, unspent, confirmed). */
export async function registerDeposit(
  deps: Omit<SettlementDeps, "fault">,
  outpoint: { txid: string; vout: number },
): Promise<Result<{ utxo: ReturnType<typeof renderHubUtxo>; created: boolean }, DomainError>> {
  const { db, chain, config } = deps;
  const existing = await getHubUtxo(db, outpoint.txid, outpoint.vout);
  if (existing) return ok({ utxo: renderHubUtxo(existing), created: false });
  const tx = await chain.getTransaction(outpoint.txid);
  if (!tx)
    return err(domainError("funding_not_found", "the bitcoin node does not know this transaction", "txid"));
  const output = tx.outputs[outpoint.vout];
  if (!output)
    return err(domainError("funding_output_not_found", `transaction has no output ${outpoint.vout}`, "vout"));
  if (bytesToHex(output.script) !== bytesToHex(p2wpkh(config.keys.wallet.publicKey))) {
    return err(
      domainError("utxo_not_hub_wallet", "that output does not pay the hub wallet's address", "vout"),
    );
  }
  // Change of the hub's own settlements is added when they are final: registering it as a deposit
  // would count money that already backs liabilities as fresh capital.
  if (await isSettlementTxid(db, outpoint.txid)) {
    return err(
      domainError("utxo_from_settlement", "that output is settlement change; the hub adds it itself", "txid"),
    );
  }
  if (output.valueSat < DUST_LIMIT_SAT) {
    return err(domainError("utxo_too_small", `a deposit must be at least ${DUST_LIMIT_SAT} sat`, "vout"));
  }
  if (!(await chain.isUnspent(outpoint.txid, outpoint.vout))) {
    return err(domainError("funding_spent", "that output is already spent", "vout"));
  }
  if (tx.confirmations < config.minConfirmations) {
    return err(
      domainError(
        "utxo_unconfirmed",
        `that output has ${tx.confirmations} confirmations; the hub needs ${config.minConfirmations}`,
        "txid",
      ),
    );
  }
  const now = Math.floor(deps.nowMs / 1000);
  const utxo = { ...outpoint, valueSat: output.valueSat, source: "deposit" as const, createdBy: null };
  const wrote = await tryBatch(db, [
    insertHubUtxoStatement(db, utxo, now),
    ...journalStatements(db, hubDeposit(`${outpoint.txid}:${outpoint.vout}`, output.valueSat, now)),
  ]).catch((e) => {
    // Registered concurrently by another request: the primary key refuses the second.
    if (/UNIQUE constraint failed/i.test(`${e} ${(e as { cause?: unknown }).cause ?? ""}`)) return false;
    throw e;
  });
  const row = await getHubUtxo(db, outpoint.txid, outpoint.vout);
  if (!row) throw new Error("hub utxo vanished after registration");
  return ok({ utxo: renderHubUtxo(row), created: wrote });
}
