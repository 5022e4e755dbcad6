/**
 * Pure settlement decisions: which channels to close, when to settle, what a plan may offer,
 * what to do with a transaction seen on chain, whether to bump it, and what booking it final or
 * abandoning it changes. The service loads what one step needs, asks here, and persists the answer.
 */
import type { Channel } from "../channels/channel";
import { account } from "../ledger/ledger";
import { bumpedFeeSat, withFee } from "./build";
import {
  type CloseCandidate,
  type CloseReason,
  hubCostMsat,
  type PayoutCandidate,
  type PayoutRow,
  type PlannedInput,
  type PlannedTx,
  type SettlementTxStatus,
  type TxVersion,
} from "./settlement";

/** Why the hub closes a channel now (it was selected by channelsToClose). */
export function closeReasonOf(channel: Channel, tipHeight: number, closeMarginBlocks: number): CloseReason {
  // Expiry first: a payer asking to close an expiring channel must not make its close less urgent.
  if (tipHeight >= channel.refundLocktime - closeMarginBlocks) return "expiring";
  if (channel.status === "closing") return "requested";
  return "exhausted";
}

/** A channel with a signed state, as the planner takes it. */
export function toCloseCandidate(channel: Channel, reason: CloseReason): CloseCandidate {
  if (
    channel.fundingTxid === null ||
    channel.fundingVout === null ||
    channel.stateSignature === null ||
    channel.stateSighashType === null
  ) {
    throw new Error(`channel ${channel.id} has no funding or no signed state to close with`);
  }
  return {
    channelId: channel.id,
    fundingTxid: channel.fundingTxid,
    fundingVout: channel.fundingVout,
    capacitySat: channel.capacitySat,
    witnessScript: channel.witnessScript,
    refundScript: channel.refundScriptPubkey,
    seq: channel.seq,
    payerBalanceMsat: channel.payerBalanceMsat,
    sighashType: channel.stateSighashType,
    signature: channel.stateSignature,
    reason,
  };
}

/** Whether to plan a new settlement now: the operator asked, or the interval passed since the last. */
export const settlementDue = (
  lastPlannedAt: number | null,
  nowSeconds: number,
  intervalSeconds: number,
  force: boolean,
): boolean => force || lastPlannedAt === null || nowSeconds - lastPlannedAt >= intervalSeconds;

/** What the node says of one signed version: unknown (null), in the mempool (0) or confirmed (n). */
export type Seen = number | null;

export type WatchAction =
  | { readonly kind: "final"; readonly version: number; readonly confirmations: number }
  | { readonly kind: "confirmed"; readonly version: number; readonly confirmations: number }
  | { readonly kind: "reorged" }
  | { readonly kind: "rebroadcast" }
  | { readonly kind: "bump" }
  | { readonly kind: "wait" };

/**
 * DESIGN.md §8 step 5 for a sent transaction, given what the node says of each of its versions
 * (they spend the same inputs: at most one can be in a block). Final at `finalConfirmations`; a
 * confirmed one that vanished was reorged out; none known means dropped (send the same bytes
 * again); unconfirmed for `bumpAfterBlocks` since it was sent means stuck (bump the fee).
 */
export function watch(
  tx: {
    status: SettlementTxStatus;
    broadcastHeight: number | null;
    confirmations: number;
    confirmedVersion: number | null;
  },
  seen: readonly Seen[],
  tipHeight: number,
  policy: { finalConfirmations: number; bumpAfterBlocks: number },
): WatchAction {
  const confirmedAt = seen.findIndex((s) => s !== null && s > 0);
  if (confirmedAt >= 0) {
    const confirmations = seen[confirmedAt]!;
    if (confirmations >= policy.finalConfirmations)
      return { kind: "final", version: confirmedAt, confirmations };
    if (
      tx.status !== "confirmed" ||
      tx.confirmations !== confirmations ||
      tx.confirmedVersion !== confirmedAt
    ) {
      return { kind: "confirmed", version: confirmedAt, confirmations };
    }
    return { kind: "wait" };
  }
  if (tx.status === "confirmed") return { kind: "reorged" };
  if (!seen.some((s) => s !== null)) return { kind: "rebroadcast" };
  if (tx.broadcastHeight !== null && tipHeight - tx.broadcastHeight >= policy.bumpAfterBlocks)
    return { kind: "bump" };
  return { kind: "wait" };
}

/** What the chain shows of one input of a transaction the node refused and holds no version of. */
export interface InputEvidence {
  /** `txid:vout`. */
  readonly outpoint: string;
  /** Spent in the best chain's UTXO set; a spend only in the mempool does not count. */
  readonly spentInChain: boolean;
  /** The block transaction found spending it, as the node then shows it; null when none was found. */
  readonly spender: {
    readonly txid: string;
    readonly confirmations: number;
    /** Its raw bytes spend this outpoint. */
    readonly spendsIt: boolean;
  } | null;
}

export type Abandonment =
  | { readonly kind: "abandon"; readonly spent: readonly string[] }
  | { readonly kind: "keep"; readonly reason: string };

/**
 * Whether a settlement transaction can never confirm: only on proof that a transaction that is
 * none of our versions spent one of its inputs `finalConfirmations` deep, while none of our
 * versions is confirmed. A spend in the mempool, a shallow one (a reorg may take it away), one
 * by a version of ours, or one the node cannot show is no proof: keep waiting. `spent` lists
 * the inputs proven spent by someone else.
 */
export function abandonment(
  ourTxids: readonly string[],
  seen: readonly Seen[],
  inputs: readonly InputEvidence[],
  finalConfirmations: number,
): Abandonment {
  if (seen.some((s) => s !== null && s > 0)) return { kind: "keep", reason: "a version of it is confirmed" };
  const found = inputs.filter((i) => i.spentInChain && i.spender?.spendsIt);
  if (found.some((i) => ourTxids.includes(i.spender!.txid)))
    return { kind: "keep", reason: "a version of it spends its inputs on chain" };
  const proven = found.filter((i) => i.spender!.confirmations >= finalConfirmations);
  if (proven.length > 0) return { kind: "abandon", spent: proven.map((i) => i.outpoint) };
  const shallow = found[0];
  if (shallow) {
    return {
      kind: "keep",
      reason: `input ${shallow.outpoint} spent by ${shallow.spender!.txid}, ${shallow.spender!.confirmations} of ${finalConfirmations} confirmations`,
    };
  }
  if (inputs.some((i) => i.spentInChain))
    return { kind: "keep", reason: "an input is spent by a transaction not found in the blocks scanned" };
  return { kind: "keep", reason: "no input is spent on chain" };
}

/** The ledger account a payout is paid from (and goes back to if its transaction is abandoned). */
export const payoutAccount = (p: { kind: "merchant" | "refund"; ownerId: string }) =>
  p.kind === "merchant" ? account.merchant(p.ownerId) : account.refundOwed(p.ownerId);

export type Payable =
  | { readonly kind: "nothing_payable" }
  | { readonly kind: "clamped"; readonly availableMsat: bigint }
  | { readonly kind: "whole"; readonly availableMsat: bigint };

/**
 * How much of a candidate a plan may offer, given what the liabilities snapshot holds for its
 * account (`heldMsat`). Candidates and liabilities are separate reads: never offer more than the
 * snapshot holds (a refund in between would otherwise make the plan overdraw); the batch CHECKs the rest.
 */
export function payable(candidate: PayoutCandidate, heldMsat: bigint): Payable {
  const availableMsat = candidate.availableMsat < heldMsat ? candidate.availableMsat : heldMsat;
  if (availableMsat <= 0n) return { kind: "nothing_payable" };
  if (availableMsat < candidate.availableMsat) return { kind: "clamped", availableMsat };
  return { kind: "whole", availableMsat };
}

/** The candidates a plan may offer, each clamped to its liabilities snapshot (`payable`). */
export function payableCandidates(
  candidates: readonly PayoutCandidate[],
  liabilities: readonly { owner: string; balanceMsat: bigint }[],
): PayoutCandidate[] {
  const held = new Map(liabilities.map((l) => [l.owner, l.balanceMsat]));
  return candidates.flatMap((c) => {
    const offer = payable(c, held.get(payoutAccount(c)) ?? 0n);
    return offer.kind === "nothing_payable" ? [] : [{ ...c, availableMsat: offer.availableMsat }];
  });
}

/** What a fee bump is decided on: the node's fee target now, the hub's equity, the settlement's other unfinished transactions. */
export interface BumpLoad {
  readonly targetFeeRateSatPerVb: number;
  readonly equityMsat: bigint;
  readonly otherOpen: readonly PlannedTx[];
}

export interface BumpPolicy {
  readonly maxBumps: number;
  readonly maxFeeRateSatPerVb: number;
  readonly dustSat: bigint;
}

export type BumpDecision =
  | { readonly kind: "limit_reached"; readonly reason: string }
  | { readonly kind: "fee_at_max"; readonly reason: string }
  | { readonly kind: "change_short"; readonly reason: string }
  | { readonly kind: "equity_short"; readonly reason: string }
  | { readonly kind: "bump"; readonly plan: PlannedTx };

/**
 * Whether to replace a transaction by a higher-fee version (BIP 125), and with which plan: the
 * hub pays the difference from its change; payouts are untouched. `load` is null when the
 * transaction may not be bumped any more (nothing was asked of the node for it).
 */
export function decideBump(
  tx: { readonly version: number; readonly plan: PlannedTx },
  load: BumpLoad | null,
  policy: BumpPolicy,
): BumpDecision {
  if (tx.version >= policy.maxBumps || load === null)
    return { kind: "limit_reached", reason: "fee bump limit reached: the operator must look" };
  const target = Math.min(policy.maxFeeRateSatPerVb, load.targetFeeRateSatPerVb);
  const capSat = BigInt(policy.maxFeeRateSatPerVb) * BigInt(tx.plan.vsize);
  const wanted = bumpedFeeSat(tx.plan, target);
  const feeSat = wanted > capSat ? capSat : wanted;
  if (feeSat <= tx.plan.feeSat)
    return { kind: "fee_at_max", reason: "fee already at MAX_FEE_RATE_SAT_PER_VB" };
  const plan = withFee(tx.plan, feeSat, policy.dustSat);
  if (!plan) return { kind: "change_short", reason: "the change cannot pay a higher fee" };
  // The hub's equity must still cover every unfinished transaction's share, this bump included.
  const committed = load.otherOpen.reduce((sum, t) => sum + hubCostMsat(t), hubCostMsat(plan));
  // An expiring channel's close is bumped even past equity (as it was planned): the payer's refund would cost more.
  if (committed > load.equityMsat && !plan.urgent)
    return { kind: "equity_short", reason: "the hub's equity cannot pay a higher fee" };
  return { kind: "bump", plan };
}

/** What one input of a transaction becomes when it is booked final or abandoned. */
export type InputChange =
  | { readonly kind: "coin"; readonly coin: { readonly txid: string; readonly vout: number } }
  | { readonly kind: "channel"; readonly channel: Channel; readonly payerSat: bigint };

/** The changes of booking a transaction final with the version the chain holds. */
export interface FinalChanges {
  /** Its payouts, confirmed with the txid that confirmed. */
  readonly payouts: readonly PayoutRow[];
  /** Hub coins spent and channels closed (with what their payer was paid on chain), in input order. */
  readonly inputs: readonly InputChange[];
  /** The change output, the hub wallet's again. */
  readonly change: { readonly txid: string; readonly vout: number; readonly valueSat: bigint };
  /** The fee the hub pays itself (the fee less the payees' shares), msat. */
  readonly hubFeeMsat: bigint;
  /** What closing payers left the hub (their balance less what they were paid on chain), msat. */
  readonly leftToHubMsat: bigint;
}

/** A channel input the store did not find: a broken invariant the caller raises. */
export type UnknownChannel = { readonly kind: "unknown_channel"; readonly channelId: string };

export type FinalBookkeeping = UnknownChannel | { readonly kind: "final"; readonly changes: FinalChanges };

/**
 * Books a transaction final with `confirmed`, the version the chain holds: payouts confirmed,
 * coins spent, channels closed, change added, the hub's fee share and what payers left it.
 * A channel input not among `channels` is a broken invariant the caller raises.
 */
export function finalBookkeeping(
  confirmed: TxVersion,
  payouts: readonly PayoutRow[],
  channels: ReadonlyMap<string, Channel>,
  nowSeconds: number,
): FinalBookkeeping {
  const plan = confirmed.plan;
  const inputs: InputChange[] = [];
  let leftToHubMsat = 0n;
  for (const input of plan.inputs) {
    const change = inputChange(input, channels, plan);
    if (change.kind === "unknown_channel") return change;
    if (change.kind === "channel") leftToHubMsat += change.channel.payerBalanceMsat - change.payerSat * 1000n;
    inputs.push(change);
  }
  const changeVout = plan.outputs.length - 1;
  return {
    kind: "final",
    changes: {
      payouts: payouts.map((p) => ({
        ...p,
        status: "confirmed",
        txid: confirmed.txid,
        confirmedAt: nowSeconds,
      })),
      inputs,
      change: { txid: confirmed.txid, vout: changeVout, valueSat: plan.outputs[changeVout]!.valueSat },
      hubFeeMsat: (plan.feeSat - plan.payeeFeeSat) * 1000n,
      leftToHubMsat,
    },
  };
}

/** One input as booked: a hub coin, or a channel with what its payer output paid in `plan`. */
function inputChange(
  input: PlannedInput,
  channels: ReadonlyMap<string, Channel>,
  plan: PlannedTx,
): InputChange | UnknownChannel {
  if (input.kind === "hub") return { kind: "coin", coin: { txid: input.txid, vout: input.vout } };
  const channel = channels.get(input.channelId);
  if (!channel) return { kind: "unknown_channel", channelId: input.channelId };
  const payerOut = plan.outputs.find((o) => o.kind === "payer" && o.channelId === channel.id);
  return { kind: "channel", channel, payerSat: payerOut ? payerOut.valueSat : 0n };
}

/** What one input of an abandoned transaction becomes. */
export type AbandonedInput =
  | { readonly kind: "coin"; readonly coin: { readonly txid: string; readonly vout: number } }
  /** Its output is still there: released for the next settlement. */
  | { readonly kind: "reopen"; readonly channel: Channel }
  /** Its output was spent (the payer's CLTV refund): booked refunded, the hub's loss. */
  | { readonly kind: "refund"; readonly channel: Channel };

/** The changes of abandoning a transaction (`abandonment` proved an input spent elsewhere). */
export interface AbandonChanges {
  /** Its payouts, failed, each with the account its amount goes back to. */
  readonly payouts: readonly { readonly payout: PayoutRow; readonly backTo: string }[];
  /** Coins back in the wallet and channels released or refunded, in input order. */
  readonly inputs: readonly AbandonedInput[];
}

export type AbandonBookkeeping =
  | UnknownChannel
  | { readonly kind: "abandon"; readonly changes: AbandonChanges };

/**
 * What abandoning a transaction changes: payouts failed and their amounts back on the balances
 * they came from, coins back in the wallet, channels whose output is still there released, the
 * ones whose output is among `spent` (`txid:vout`) refunded.
 */
export function abandonBookkeeping(
  plan: PlannedTx,
  payouts: readonly PayoutRow[],
  channels: ReadonlyMap<string, Channel>,
  spent: ReadonlySet<string>,
): AbandonBookkeeping {
  const inputs: AbandonedInput[] = [];
  for (const input of plan.inputs) {
    const change = inputChange(input, channels, plan);
    if (change.kind === "unknown_channel") return change;
    inputs.push(abandoned(change, spent.has(`${input.txid}:${input.vout}`)));
  }
  const failed = payouts.map((p) => ({
    payout: { ...p, status: "failed" as const },
    backTo: p.kind === "merchant" ? account.merchant(p.merchantId!) : account.refundOwed(p.channelId!),
  }));
  return { kind: "abandon", changes: { payouts: failed, inputs } };
}

const abandoned = (change: InputChange, spentElsewhere: boolean): AbandonedInput =>
  change.kind === "coin" ? change : { kind: spentElsewhere ? "refund" : "reopen", channel: change.channel };
