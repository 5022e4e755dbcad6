/** Pure settlement decisions: which channels to close, when to settle, what to do with a transaction seen on chain. */
import type { Channel } from "../channels/channel";
import type { CloseCandidate, CloseReason, SettlementTxStatus } from "./settlement";

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
