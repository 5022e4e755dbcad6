/**
 * The settlement run (DESIGN.md §8): plan → persist → sign (persist bytes) → broadcast (verify) →
 * count confirmations → final, with rebroadcast of dropped bytes, RBF bumps of stuck ones and a
 * step back on reorgs. Every step is a guarded batch and every replacement spends the same inputs,
 * so a crash anywhere or two overlapping runs can at worst redo a step, never pay twice.
 */
import { ChainError, type ChainBackend, type ChainSpend, type ChainTx } from "../chain/backend";
import { DUST_LIMIT_SAT } from "../chain/channel";
import { p2wpkh } from "../chain/script";
import type { Channel } from "../channels/channel";
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
import type { Equity } from "../ledger/rules";
import { equityOf, journalStatements, liabilityBalances } from "../ledger/store";
import { signPlannedTx } from "./build";
import { planSettlement } from "./plan";
import {
  type AbandonChanges,
  abandonBookkeeping,
  abandonment,
  type BumpLoad,
  closeReasonOf,
  decideBump,
  type FinalChanges,
  finalBookkeeping,
  type InputChange,
  type InputEvidence,
  payableCandidates,
  type Seen,
  settlementDue,
  toCloseCandidate,
  watch,
} from "./rules";
import type {
  PayoutRow,
  Plan,
  PlannedPayout,
  SettlementRow,
  SettlementTxRow,
  SkipReason,
  TxVersion,
} from "./settlement";
import {
  availableCoins,
  getHubUtxo,
  insertHubUtxoStatement,
  reserveCoinStatements,
  reservedCoinStatements,
} from "./coins-store";
import {
  insertPayoutStatement,
  payoutBroadcastStatement,
  payoutCandidates,
  payoutConfirmedStatements,
  payoutFailedStatements,
  payoutsOf,
} from "./payouts-store";
import {
  abandonTxStatements,
  activeSettlement,
  broadcastFailedStatement,
  broadcastStatements,
  bumpStatements,
  confirmedStatements,
  finalTxStatements,
  insertLeavesStatements,
  insertSettlementStatements,
  isSettlementTxid,
  lastSettlementAt,
  releaseLease,
  reorgedStatements,
  settlementTx,
  settlementTxs,
  signedStatements,
  syncSettlementStatement,
  takeLease,
  txVersions,
} from "./settlements-store";
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

/** Statements announcing a merchant's payout in its new state (none for a payer's refund). */
function payoutEvent(
  deps: SettlementDeps,
  type: EventType,
  payout: PayoutRow,
  build: typeof insertEventStatement = insertEventStatement,
): Statement[] {
  if (!payout.merchantId) return [];
  const rendered = renderPayout(payout, deps.config.network);
  return [build(deps.db, event(deps, type, payout.merchantId, payout.id, rendered))];
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

/** Writes why a transaction did not go out (the node's words, or a bump refused): it must commit. */
async function note(deps: SettlementDeps, tx: SettlementTxRow, reason: string): Promise<void> {
  await runBatch(deps.db, [broadcastFailedStatement(deps.db, tx, reason)]);
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

// ── planning: load the snapshot → plan (pure) → one batch ─────────────────────────────────────

/** What a plan is made from, read once before planning. */
interface PlanSnapshot {
  readonly feeRateSatPerVb: number;
  readonly channels: readonly Channel[];
  readonly closes: readonly ReturnType<typeof toCloseCandidate>[];
  readonly payouts: Awaited<ReturnType<typeof payoutCandidates>>;
  readonly coins: Awaited<ReturnType<typeof availableCoins>>;
  readonly liabilities: readonly { owner: string; balanceMsat: bigint }[];
  readonly equity: Equity;
}

/** The node's tip and fee rate, the channels to close, who can be paid, the coins, liabilities and equity. */
async function loadPlanSnapshot(deps: SettlementDeps): Promise<PlanSnapshot> {
  const { db, chain, config } = deps;
  const policy = config.settlement;
  const tipHeight = await chain.tipHeight();
  const feeRate = Math.min(policy.maxFeeRateSatPerVb, await chain.feeRateSatPerVb(policy.feeTargetBlocks));
  const margin = config.channel.closeMarginBlocks;
  const channels = await channelsToClose(db, tipHeight, margin, LIMITS.settlementClosesPerRun);
  const closes = channels.map((c) => toCloseCandidate(c, closeReasonOf(c, tipHeight, margin)));
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
  return { feeRateSatPerVb: feeRate, channels, closes, payouts, coins, liabilities, equity };
}

/** Snapshot → plan (pure) → one batch: the settlement, its transactions, payouts moved to pending, channels to closing, coins reserved, leaves. */
async function planAndPersist(
  deps: SettlementDeps,
): Promise<{ planned: string | null; skipped: { key: string; reason: SkipReason }[] }> {
  const snapshot = await loadPlanSnapshot(deps);
  if (snapshot.closes.length === 0 && snapshot.payouts.length === 0) return { planned: null, skipped: [] };
  const settlementId = newId("settlement", deps.nowMs, deps.random);
  const plan = planSettlement({
    settlementId,
    closes: snapshot.closes,
    payouts: payableCandidates(snapshot.payouts, snapshot.liabilities),
    coins: snapshot.coins,
    liabilities: snapshot.liabilities,
    leafSaltSeed: deps.random(32),
    hubEquityMsat: snapshot.equity.feesMsat + snapshot.equity.capitalMsat,
    feeRateSatPerVb: snapshot.feeRateSatPerVb,
    changeScript: bytesToHex(p2wpkh(deps.config.keys.wallet.publicKey)),
    limits: {
      maxTxWeight: LIMITS.maxStandardTxWeight,
      dustSat: DUST_LIMIT_SAT,
      maxHubInputsPerTx: LIMITS.settlementHubInputsPerTx,
    },
  });
  const skipped = [...plan.skipped];
  if (plan.txs.length === 0) return { planned: null, skipped };
  // Another run, a payment or a close request changed what we planned on: plan again next run.
  if (!(await tryBatch(deps.db, planStatements(deps, snapshot, plan)))) return { planned: null, skipped };
  return { planned: settlementId, skipped };
}

/** The plan as statements: the settlement and its transactions, closes, reserved coins, payouts, leaves. */
function planStatements(deps: SettlementDeps, snapshot: PlanSnapshot, plan: Plan): Statement[] {
  const { db } = deps;
  const now = seconds(deps);
  const byId = new Map(snapshot.channels.map((c) => [c.id, c]));
  const settlement = {
    id: plan.settlementId,
    merkleRoot: bytesToHex(plan.merkleRoot),
    totalLiabilitiesMsat: plan.totalLiabilitiesMsat,
    feeRateSatPerVb: snapshot.feeRateSatPerVb,
    txCount: plan.txs.length,
    payoutCount: plan.payouts.length,
    closeCount: plan.closes.length,
    createdAt: now,
  };
  return [
    ...insertSettlementStatements(db, settlement, plan.txs),
    ...plan.closes.flatMap((c) =>
      closePlannedStatements(
        db,
        byId.get(c.candidate.channelId)!,
        plan.settlementId,
        c.candidate.reason,
        now,
      ),
    ),
    ...plan.coins.flatMap((coin) => reserveCoinStatements(db, coin, plan.settlementId)),
    ...plan.payouts.flatMap((p) => plannedPayoutStatements(deps, plan.settlementId, p, now)),
    ...insertLeavesStatements(db, plan.settlementId, plan.leaves),
  ];
}

/** A planned payout as a pending row, its amount moved off its balance, and its event. */
function plannedPayoutStatements(
  deps: SettlementDeps,
  settlementId: string,
  p: PlannedPayout,
  now: number,
): Statement[] {
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
  return [
    insertPayoutStatement(deps.db, row),
    ...journalStatements(deps.db, payoutPlanned(row.id, p.key, p.debitMsat, now)),
    ...payoutEvent(deps, "payout.pending", row),
  ];
}

// ── advancing: per step, load the transaction → decide → one batch ───────────────────────────

/** What one step of one transaction is decided on, read once before the step. */
interface TxState {
  readonly tx: SettlementTxRow;
  /** Every signed version, oldest first. */
  readonly versions: readonly TxVersion[];
  readonly payouts: readonly PayoutRow[];
  /** The channels it closes, by id (a channel missing here is a broken invariant). */
  readonly channels: ReadonlyMap<string, Channel>;
}

/** Reads one transaction of a settlement with its versions, payouts and channels; undefined when it is gone. */
async function loadTx(db: Db, settlementId: string, idx: number): Promise<TxState | undefined> {
  const tx = await settlementTx(db, settlementId, idx);
  if (!tx) return undefined;
  const channelIds = tx.plan.inputs.flatMap((i) => (i.kind === "channel" ? [i.channelId] : []));
  const [versions, payouts, channels] = await Promise.all([
    txVersions(db, settlementId, idx),
    payoutsOf(db, settlementId, idx),
    Promise.all(channelIds.map((id) => getChannel(db, id))),
  ]);
  const known = channels.filter((c): c is Channel => c !== null);
  return { tx, versions, payouts, channels: new Map(known.map((c) => [c.id, c])) };
}

/** Takes each transaction of the settlement in flight as far as it can go now. */
async function advance(deps: SettlementDeps, settlement: SettlementRow, steps: string[]): Promise<void> {
  const tipHeight = await deps.chain.tipHeight();
  for (const { idx } of await settlementTxs(deps.db, settlement.id)) {
    // A few steps per transaction per run (planned → signed → broadcast); a bump ends the run's
    // work on it, so a refused transaction's fee rises once per run, not in a burst.
    for (let step = 0; step < 4; step++) {
      const state = await loadTx(deps.db, settlement.id, idx);
      if (!state) break;
      const did = await stepTx(deps, state, tipHeight);
      if (did === null) break;
      steps.push(`${settlement.id}:${idx} ${did}`);
      if (did.includes("bump")) break;
    }
  }
}

/** One step of one transaction; the name of what happened, or null when there is nothing to do now. */
async function stepTx(deps: SettlementDeps, state: TxState, tipHeight: number): Promise<string | null> {
  switch (state.tx.status) {
    case "planned":
      return sign(deps, state.tx);
    case "signed":
      return send(deps, state, tipHeight);
    case "broadcast":
    case "confirmed":
      return observe(deps, state, tipHeight);
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
async function markBroadcast(deps: SettlementDeps, state: TxState, tipHeight: number): Promise<boolean> {
  const { db } = deps;
  const { tx } = state;
  const now = seconds(deps);
  const statements = [...broadcastStatements(db, tx, tipHeight, now)];
  for (const payout of state.payouts) {
    const sent: PayoutRow = { ...payout, status: "broadcast", txid: tx.txid, broadcastAt: now };
    statements.push(
      payoutBroadcastStatement(db, payout.id, tx.txid!, now),
      ...payoutEvent(deps, "payout.broadcast", sent, insertEventIfChangedStatement),
    );
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
  state: TxState,
  tipHeight: number,
  mayBump = true,
): Promise<string | null> {
  const { chain } = deps;
  const { tx } = state;
  if (tx.rawTx === null || tx.txid === null)
    throw new Error(`signed transaction ${tx.settlementId}:${tx.idx} has no bytes`);
  if (!(await chain.getTransaction(tx.txid))) {
    try {
      await chain.broadcast(tx.rawTx);
    } catch (e) {
      if (!(e instanceof ChainError) || e.kind !== "rejected") throw e;
      const live = await liveVersions(deps, state.versions);
      // Nothing of it is on the node: abandon on proof, bump on a fee refusal, else wait.
      if (!live.some((seen) => seen !== null))
        return refused(deps, state, e, tipHeight, mayBump, "bumped after the node refused its fee");
      await note(deps, tx, e.message);
    }
    deps.fault?.("after_broadcast");
  }
  return (await markBroadcast(deps, state, tipHeight)) ? "broadcast" : null;
}

/**
 * The node refused a transaction and holds none of its versions. A fee it now finds too low
 * calls for a bump (when `mayBump`); any other refusal (an input it cannot see yet, or spent)
 * waits, unless another transaction is proven to have spent an input for good.
 */
async function refused(
  deps: SettlementDeps,
  state: TxState,
  e: ChainError,
  tipHeight: number,
  mayBump: boolean,
  bumpedText: string,
): Promise<string | null> {
  if (e.refusal !== "fee")
    return (await abandonIfProven(deps, state, e.message)) ? "abandoned: an input was spent elsewhere" : null;
  await note(deps, state.tx, e.message);
  if (!mayBump) return null;
  return (await bump(deps, state, tipHeight)) ? bumpedText : null;
}

/** What the node says of each version of a transaction, oldest first. */
function liveVersions(deps: SettlementDeps, versions: readonly { txid: string }[]): Promise<Seen[]> {
  return Promise.all(
    versions.map(async (v) => {
      const seen = await deps.chain.getTransaction(v.txid);
      return seen ? seen.confirmations : null;
    }),
  );
}

/** Confirmations, finality, reorgs, drops and stuck transactions (rules.ts `watch` decides). */
async function observe(deps: SettlementDeps, state: TxState, tipHeight: number): Promise<string | null> {
  const { db, config } = deps;
  const { tx, versions } = state;
  const seen = await liveVersions(deps, versions);
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
    case "final":
      deps.fault?.("before_final_bookkeeping");
      return (await finalize(deps, state, versions[action.version]!, action.confirmations)) ? "final" : null;
    case "confirmed": {
      const txid = versions[action.version]!.txid;
      const confirmed = confirmedStatements(db, tx, txid, action.confirmations, now);
      return (await tryBatch(db, confirmed)) ? `confirmed (${action.confirmations})` : null;
    }
    case "reorged":
      return (await tryBatch(db, reorgedStatements(db, tx, tipHeight, now)))
        ? "reorged out: back to broadcast"
        : null;
    case "rebroadcast":
      return rebroadcast(deps, state, tipHeight);
    case "bump":
      return (await bump(deps, state, tipHeight)) ? "fee bumped (stuck)" : null;
    case "wait":
      return null;
  }
}

/** Sends the same bytes again to a node that dropped them. */
async function rebroadcast(deps: SettlementDeps, state: TxState, tipHeight: number): Promise<string | null> {
  try {
    await deps.chain.broadcast(state.tx.rawTx!);
    return "rebroadcast (the node had dropped it)";
  } catch (e) {
    if (!(e instanceof ChainError) || e.kind !== "rejected") throw e;
    return refused(deps, state, e, tipHeight, true, "bumped after a rebroadcast refused for its fee");
  }
}

/** What a bump is decided on; null for a transaction that may not be bumped (the node is not asked). */
async function loadBump(deps: SettlementDeps, tx: SettlementTxRow): Promise<BumpLoad | null> {
  const { db, chain, config } = deps;
  if (tx.version >= LIMITS.settlementMaxFeeBumps) return null;
  const targetFeeRateSatPerVb = await chain.feeRateSatPerVb(config.settlement.feeTargetBlocks);
  const [equity, txs] = await Promise.all([equityOf(db), settlementTxs(db, tx.settlementId)]);
  const otherOpen = txs.filter((t) => t.status !== "final" && t.idx !== tx.idx).map((t) => t.plan);
  return { targetFeeRateSatPerVb, equityMsat: equity.feesMsat + equity.capitalMsat, otherOpen };
}

/**
 * Replaces a transaction by a higher-fee version spending the same inputs (BIP 125; rules.ts
 * `decideBump` decides), persisted signed before it is sent.
 */
async function bump(deps: SettlementDeps, state: TxState, tipHeight: number): Promise<boolean> {
  const { db, config } = deps;
  const { tx } = state;
  const decision = decideBump(tx, await loadBump(deps, tx), {
    maxBumps: LIMITS.settlementMaxFeeBumps,
    maxFeeRateSatPerVb: config.settlement.maxFeeRateSatPerVb,
    dustSat: DUST_LIMIT_SAT,
  });
  if (decision.kind !== "bump") return note(deps, tx, decision.reason).then(() => false);
  const signed = signPlannedTx(decision.plan, config.keys);
  const statements = bumpStatements(db, tx, decision.plan, signed, tipHeight, seconds(deps));
  if (!(await tryBatch(db, statements))) return false;
  const bumped = (await loadTx(db, tx.settlementId, tx.idx))!;
  try {
    await send(deps, bumped, tipHeight, false);
  } catch (e) {
    // The replacement is persisted signed, so the bump stands: the next run sends it.
    if (!(e instanceof ChainError) || e.kind !== "unavailable") throw e;
  }
  return true;
}

// ── abandonment: only on proof (rules.ts `abandonment`), booked in one batch ──────────────────

/**
 * After the node refused a transaction and holds none of its versions: abandons it only on
 * proof that another transaction spent an input for good (rules.ts `abandonment` decides) — in
 * practice a payer's CLTV refund after refund_locktime, the only input not the hub's own.
 * Otherwise it notes why it waits; the next run looks again.
 */
async function abandonIfProven(deps: SettlementDeps, state: TxState, refusal: string): Promise<boolean> {
  const seen = await liveVersions(deps, state.versions);
  const verdict = abandonment(
    state.versions.map((v) => v.txid),
    seen,
    await inputEvidence(deps, state),
    deps.config.settlement.confirmations,
  );
  if (verdict.kind === "keep") {
    await note(deps, state.tx, `${refusal}; waiting: ${verdict.reason}`);
    return false;
  }
  const booked = abandonBookkeeping(state.tx.plan, state.payouts, state.channels, new Set(verdict.spent));
  if (booked.kind === "unknown_channel")
    throw new Error(`settlement ${state.tx.settlementId} holds unknown channel ${booked.channelId}`);
  return tryBatch(deps.db, await abandonStatements(deps, state.tx, booked.changes));
}

/** What the chain shows of each input: spent in the best chain, and by which block transaction. */
async function inputEvidence(deps: SettlementDeps, state: TxState): Promise<InputEvidence[]> {
  const { chain } = deps;
  const inputs = state.tx.plan.inputs;
  const spentInChain: boolean[] = [];
  for (const input of inputs)
    spentInChain.push(!(await chain.isUnspent(input.txid, input.vout, { inChainOnly: true })));
  const spent = inputs.filter((_, i) => spentInChain[i]);
  const found: ChainSpend[] = [];
  const shown = new Map<string, ChainTx | null>();
  if (spent.length > 0) {
    // A payer's refund is invalid before its channel's refund_locktime: no block below it can hold one.
    const floors = spent.map((i) =>
      i.kind === "channel" ? (state.channels.get(i.channelId)?.refundLocktime ?? 0) : 0,
    );
    const fromHeight = Math.min(Number.MAX_SAFE_INTEGER, ...floors);
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
 * An abandonment as one batch: payouts failed and their amounts back on their balances, coins
 * back in the wallet, channels released or booked refunded (the hub's loss).
 */
async function abandonStatements(
  deps: SettlementDeps,
  tx: SettlementTxRow,
  changes: AbandonChanges,
): Promise<Statement[]> {
  const { db, config } = deps;
  const now = seconds(deps);
  const at = { nowMs: deps.nowMs, random: deps.random };
  const statements: Statement[] = [...abandonTxStatements(db, tx)];
  for (const { payout, backTo } of changes.payouts) {
    statements.push(
      ...payoutFailedStatements(db, payout.id),
      ...journalStatements(db, payoutFailed(payout.id, backTo, payout.debitMsat, now)),
      ...payoutEvent(deps, "payout.failed", payout),
    );
  }
  for (const input of changes.inputs) {
    if (input.kind === "coin") {
      statements.push(...reservedCoinStatements(db, input.coin, tx.settlementId, "released"));
    } else if (input.kind === "refund") {
      const gone = { ...input.channel, status: "refunded" as const, closedAt: now };
      statements.push(...(await transitionWithConsequences(db, input.channel, gone, config, at)));
    } else {
      statements.push(...releasedStatements(db, input.channel, tx.settlementId));
    }
  }
  statements.push(syncSettlementStatement(db, tx.settlementId, now));
  return statements;
}

// ── final: booked with the version the chain holds (rules.ts `finalBookkeeping`) ─────────────

/**
 * Books a transaction final with the version the chain holds: payouts confirmed and off the
 * books, channels closed, coins spent, change added, the hub's fee share paid, in one batch.
 */
async function finalize(
  deps: SettlementDeps,
  state: TxState,
  confirmed: TxVersion,
  confirmations: number,
): Promise<boolean> {
  const equity = await equityOf(deps.db);
  const booked = finalBookkeeping(confirmed, state.payouts, state.channels, seconds(deps));
  if (booked.kind === "unknown_channel")
    throw new Error(`settlement ${state.tx.settlementId} closes unknown channel ${booked.channelId}`);
  const statements = finalStatements(deps, state.tx, confirmed, confirmations, booked.changes, equity);
  return tryBatch(deps.db, statements);
}

/** A final booking as statements, in the order of the changes. */
function finalStatements(
  deps: SettlementDeps,
  tx: SettlementTxRow,
  confirmed: TxVersion,
  confirmations: number,
  changes: FinalChanges,
  equity: Equity,
): Statement[] {
  const { db } = deps;
  const now = seconds(deps);
  const change = { ...changes.change, source: "change" as const, createdBy: tx.settlementId };
  // What payers left the hub is its revenue before it pays its fee share.
  const withLeft = { ...equity, feesMsat: equity.feesMsat + changes.leftToHubMsat };
  const fee = settlementFee(`${tx.settlementId}:${tx.idx}`, changes.hubFeeMsat, withLeft, now);
  return [
    ...finalTxStatements(db, tx, confirmed, confirmations),
    ...changes.payouts.flatMap((payout) => [
      ...payoutConfirmedStatements(db, payout.id, confirmed.txid, now),
      ...journalStatements(db, payoutFinal(payout.id, payout.amountSat, payout.feeShareSat, now)),
      ...payoutEvent(deps, "payout.confirmed", payout),
    ]),
    ...changes.inputs.flatMap((input) => finalInputStatements(deps, tx.settlementId, input, now)),
    insertHubUtxoStatement(db, change, now),
    ...journalStatements(db, fee),
    syncSettlementStatement(db, tx.settlementId, now),
  ];
}

/** A final transaction's input: a hub coin spent, or a channel closed (its payer paid on chain). */
function finalInputStatements(
  deps: SettlementDeps,
  settlementId: string,
  input: InputChange,
  now: number,
): Statement[] {
  const { db, config } = deps;
  if (input.kind === "coin") return reservedCoinStatements(db, input.coin, settlementId, "spent");
  const { channel, payerSat } = input;
  const closed = { ...channel, status: "closed" as const, closedAt: now };
  return [
    ...closedStatements(db, channel.id, settlementId, now),
    ...journalStatements(db, channelClosed(channel.id, channel.payerBalanceMsat, payerSat, now)),
    insertEventStatement(
      db,
      event(deps, "channel.closed", null, channel.id, renderChannel(closed, config.network)),
    ),
  ];
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
