/**
 * Settlement planning (DESIGN.md §8 step 1): a pure, deterministic function from a snapshot of
 * what is owed and what the hub holds to the transactions that settle it. No I/O, no clock.
 *
 * Layout of every transaction: channel inputs first (SINGLE|ACP ones at the indices of their
 * payer outputs, then NONE|ACP ones), then hub wallet inputs; outputs are the payers' outputs,
 * then payouts, then the OP_RETURN anchor, then the hub's change (last, so a fee bump only ever
 * shrinks it and every other output keeps its index and value).
 */
import { closingInputSequence, SIGHASH_SINGLE_ACP } from "../chain/channel";
import { msatToSatFloor, satToMsat } from "../core/money";
import { bytesToHex } from "../crypto";
import { type Leaf, anchorScript, leafSalt, merkleSumRoot } from "./merkle";
import { payoutAccount } from "./rules";
import type {
  CloseCandidate,
  HubCoin,
  Plan,
  PlannedClose,
  PlannedInput,
  PlannedOutput,
  PlannedPayout,
  PlannedTx,
  PayoutCandidate,
  SkipReason,
} from "./settlement";

/** The hub's own wallet inputs signal replaceability (BIP 125) so the hub can bump the fee. */
export const HUB_INPUT_SEQUENCE = 0xfffffffd;

export interface PlanLimits {
  /** Bitcoin Core's standardness limit is 400,000 weight units (100,000 vbytes) per transaction. */
  readonly maxTxWeight: number;
  /** Smallest output the hub creates (payer outputs follow the channel rule, DUST_LIMIT_SAT). */
  readonly dustSat: bigint;
  /** Most hub wallet inputs one transaction may take. */
  readonly maxHubInputsPerTx: number;
}

export interface PlanInput {
  readonly settlementId: string;
  readonly closes: readonly CloseCandidate[];
  readonly payouts: readonly PayoutCandidate[];
  readonly coins: readonly HubCoin[];
  /** Every liability now (ledger accounts `merchant:`, `channel:`, `refund_owed:` with a balance). */
  readonly liabilities: readonly Leaf[];
  /** 32 random bytes, kept secret: each leaf's salt derives from it (merkle.ts `leafSalt`). */
  readonly leafSaltSeed: Uint8Array;
  /** What the hub may spend on its share of fees: its equity (fee revenue + capital), msat. */
  readonly hubEquityMsat: bigint;
  /** Whole sat per vbyte. */
  readonly feeRateSatPerVb: number;
  /** Hex P2WPKH of the hub wallet: change goes here. */
  readonly changeScript: string;
  readonly limits: PlanLimits;
}

// Weights (BIP 141): non-witness bytes count 4, witness bytes 1.
const SIG_MAX_BYTES = 73; // 72-byte low-S DER + the sighash byte
const varintSize = (n: number) => (n < 0xfd ? 1 : n <= 0xffff ? 3 : 5);
const pushSize = (n: number) => varintSize(n) + n;
const OUTPOINT_INPUT_WEIGHT = (32 + 4 + 1 + 4) * 4;
/** A P2WPKH spend: witness <sig> <pubkey>. */
export const HUB_INPUT_WEIGHT = OUTPOINT_INPUT_WEIGHT + 1 + pushSize(SIG_MAX_BYTES) + pushSize(33);

/** Weight of an output paying `scriptHex`. */
export const outputWeight = (scriptHex: string) => {
  const length = scriptHex.length / 2;
  return (8 + pushSize(length)) * 4;
};

/** Weight of a channel input: witness <sig_P> <sig_H> 0x01 <witness script>. */
export function channelInputWeight(c: Pick<CloseCandidate, "signature" | "witnessScript">): number {
  const payerSig = c.signature.length / 2 + 1;
  return (
    OUTPOINT_INPUT_WEIGHT +
    1 +
    pushSize(payerSig) +
    pushSize(SIG_MAX_BYTES) +
    pushSize(1) +
    pushSize(c.witnessScript.length / 2)
  );
}

/** Weight of a transaction with these input and output weights (segwit marker and flag included). */
export const txWeight = (inputWeights: number, inputs: number, outputWeights: number, outputs: number) =>
  (4 + 4 + varintSize(inputs) + varintSize(outputs)) * 4 + 2 + inputWeights + outputWeights;

/** Fee for a weight at a whole sat/vB rate: vsize rounded up, so the fee never falls short. */
export const feeFor = (weight: number, feeRateSatPerVb: number) =>
  BigInt(Math.ceil(weight / 4)) * BigInt(feeRateSatPerVb);

/** The payer's output of a closing channel in sat: its balance floored, nothing below dust (NONE|ACP). */
export const payerOutputSat = (c: CloseCandidate) =>
  c.sighashType === SIGHASH_SINGLE_ACP ? msatToSatFloor(c.payerBalanceMsat) : 0n;

type Item =
  | { readonly kind: "close"; readonly close: CloseCandidate; readonly weight: number }
  | {
      readonly kind: "payout";
      readonly payout: Omit<PlannedPayout, "txIndex" | "vout">;
      readonly weight: number;
    };

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The payout a candidate makes at this fee rate, or why it makes none. */
export function sizePayout(
  candidate: PayoutCandidate,
  feeRateSatPerVb: number,
  dustSat: bigint,
): Omit<PlannedPayout, "txIndex" | "vout"> | null {
  const feeShareSat = BigInt((outputWeight(candidate.script) / 4) * feeRateSatPerVb);
  const grossSat = msatToSatFloor(candidate.availableMsat);
  const amountSat = grossSat - feeShareSat;
  if (amountSat < dustSat) return null;
  return {
    key: payoutAccount(candidate),
    kind: candidate.kind,
    ownerId: candidate.ownerId,
    script: candidate.script,
    amountSat,
    feeShareSat,
    debitMsat: satToMsat(grossSat),
  };
}

interface Funded {
  readonly coins: HubCoin[];
  readonly feeSat: bigint;
  readonly changeSat: bigint;
  readonly weight: number;
}

/** Picks hub coins (largest first) until the change covers dust; null when the pool runs dry. */
function fund(
  items: readonly Item[],
  pool: HubCoin[],
  input: PlanInput,
  anchorWeight: number,
): Funded | null {
  const { dustSat, maxHubInputsPerTx } = input.limits;
  let inWeight = 0;
  let outWeight = anchorWeight + outputWeight(input.changeScript);
  let inCount = 0;
  let outCount = 2;
  let valueIn = 0n;
  let valueOut = 0n;
  for (const item of items) {
    if (item.kind === "close") {
      inWeight += item.weight;
      inCount++;
      valueIn += item.close.capacitySat;
      const payer = payerOutputSat(item.close);
      if (payer > 0n) {
        outWeight += outputWeight(item.close.refundScript);
        outCount++;
        valueOut += payer;
      }
    } else {
      outWeight += item.weight;
      outCount++;
      valueOut += item.payout.amountSat;
    }
  }
  const coins: HubCoin[] = [];
  for (;;) {
    const weight = txWeight(inWeight, inCount, outWeight, outCount);
    const feeSat = feeFor(weight, input.feeRateSatPerVb);
    const changeSat = valueIn - valueOut - feeSat;
    if (changeSat >= dustSat && weight <= input.limits.maxTxWeight)
      return { coins, feeSat, changeSat, weight };
    const next = pool[coins.length];
    if (!next || coins.length >= maxHubInputsPerTx) return null;
    coins.push(next);
    inWeight += HUB_INPUT_WEIGHT;
    inCount++;
    valueIn += next.valueSat;
  }
}

/** Lays out one funded transaction. */
function layout(index: number, items: readonly Item[], funded: Funded, input: PlanInput, anchor: string) {
  const closes = items.flatMap((i) => (i.kind === "close" ? [i.close] : []));
  const single = closes.filter((c) => payerOutputSat(c) > 0n);
  const none = closes.filter((c) => payerOutputSat(c) === 0n);
  const inputs: PlannedInput[] = [...single, ...none].map((c) => ({
    kind: "channel",
    channelId: c.channelId,
    txid: c.fundingTxid,
    vout: c.fundingVout,
    // What the payer signed: the closing template's nSequence for this state (DESIGN.md §5).
    sequence: closingInputSequence(c.seq),
    valueSat: c.capacitySat,
    witnessScript: c.witnessScript,
    payerSignature: c.signature,
    sighashType: c.sighashType,
  }));
  for (const coin of funded.coins) inputs.push({ kind: "hub", ...coin, sequence: HUB_INPUT_SEQUENCE });
  const outputs: PlannedOutput[] = single.map((c) => ({
    kind: "payer",
    channelId: c.channelId,
    script: c.refundScript,
    valueSat: payerOutputSat(c),
  }));
  const payouts: PlannedPayout[] = [];
  for (const item of items) {
    if (item.kind !== "payout") continue;
    payouts.push({ ...item.payout, txIndex: index, vout: outputs.length });
    outputs.push({
      kind: "payout",
      payoutKey: item.payout.key,
      script: item.payout.script,
      valueSat: item.payout.amountSat,
    });
  }
  outputs.push({ kind: "anchor", script: anchor, valueSat: 0n });
  outputs.push({ kind: "change", script: input.changeScript, valueSat: funded.changeSat });
  const planned: PlannedClose[] = [...single, ...none].map((c, vin) => ({
    candidate: c,
    txIndex: index,
    vin,
    vout: vin < single.length ? vin : null,
    payerSat: payerOutputSat(c),
  }));
  const tx: PlannedTx = {
    index,
    inputs,
    outputs,
    feeSat: funded.feeSat,
    feeRateSatPerVb: input.feeRateSatPerVb,
    vsize: Math.ceil(funded.weight / 4),
    payeeFeeSat: payouts.reduce((sum, p) => sum + p.feeShareSat, 0n),
    leftToHubMsat: closes.reduce((sum, c) => sum + c.payerBalanceMsat - satToMsat(payerOutputSat(c)), 0n),
    urgent: closes.some((c) => c.reason === "expiring"),
  };
  return { tx, payouts, closes: planned };
}

/** The items to pack, closes first (those paying their payer first), then the payouts worth making. */
function queueOf(input: PlanInput, skipped: { key: string; reason: SkipReason }[]): Item[] {
  const closes = [...input.closes].sort(
    (a, b) =>
      Number(payerOutputSat(b) > 0n) - Number(payerOutputSat(a) > 0n) || byString(a.channelId, b.channelId),
  );
  const queue: Item[] = closes.map((close) => ({ kind: "close", close, weight: channelInputWeight(close) }));
  const candidates = [...input.payouts].sort(
    (a, b) => byString(a.kind, b.kind) || byString(a.ownerId, b.ownerId),
  );
  for (const candidate of candidates) {
    const payout = sizePayout(candidate, input.feeRateSatPerVb, input.limits.dustSat);
    if (payout) queue.push({ kind: "payout", payout, weight: outputWeight(payout.script) });
    else skipped.push({ key: payoutAccount(candidate), reason: "below_dust" });
  }
  return queue;
}

/** Packs items into transactions, leaving room for the largest allowed set of hub inputs. */
function pack(queue: readonly Item[], input: PlanInput, anchorWeight: number): Item[][] {
  const { limits } = input;
  const room =
    limits.maxTxWeight -
    txWeight(0, 0xffff, anchorWeight + outputWeight(input.changeScript), 0xffff) -
    limits.maxHubInputsPerTx * HUB_INPUT_WEIGHT;
  const groups: Item[][] = [];
  let current: Item[] = [];
  let used = 0;
  for (const item of queue) {
    const cost =
      item.kind === "close" && payerOutputSat(item.close) > 0n
        ? item.weight + outputWeight(item.close.refundScript)
        : item.weight;
    if (current.length > 0 && used + cost > room) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += cost;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * The item to drop from a transaction the pool cannot fund: the largest payout first (so as many
 * as possible are paid); closes only when no payout is left, the non-urgent ones first; an
 * expiring channel's close is the very last to go.
 */
function dropIndex(items: readonly Item[]): number {
  const rank = (item: Item) => (item.kind === "payout" ? 2 : item.close.reason === "expiring" ? 0 : 1);
  let drop = items.length - 1;
  for (const [i, item] of items.entries()) {
    const held = items[drop]!;
    const larger =
      item.kind === "payout" && held.kind === "payout" && item.payout.amountSat > held.payout.amountSat;
    if (rank(item) > rank(held) || (rank(item) === rank(held) && larger)) drop = i;
  }
  return drop;
}

/** Funds each transaction from the pool, dropping payouts (then closes) it cannot afford. */
function fundGroups(
  groups: readonly Item[][],
  input: PlanInput,
  anchorWeight: number,
  skipped: { key: string; reason: SkipReason }[],
): { items: Item[]; funded: Funded }[] {
  const pool = [...input.coins].sort((a, b) =>
    a.valueSat > b.valueSat ? -1 : a.valueSat < b.valueSat ? 1 : byString(a.txid, b.txid) || a.vout - b.vout,
  );
  let equityMsat = input.hubEquityMsat;
  const funded: { items: Item[]; funded: Funded }[] = [];
  for (const group of groups) {
    const items = [...group];
    let result = fund(items, pool, input, anchorWeight);
    while (!result && items.length > 0) {
      const [dropped] = items.splice(dropIndex(items), 1);
      skipped.push({ key: itemKey(dropped!), reason: "insufficient_funds" });
      result = fund(items, pool, input, anchorWeight);
    }
    if (!result || items.length === 0) continue;
    const cost = itemsHubCostMsat(items, result.feeSat);
    // The hub pays its fee share from equity; an expiring channel is closed regardless (any
    // uncovered fee is booked as shortfall), because the payer's refund would cost far more.
    const urgent = items.some((i) => i.kind === "close" && i.close.reason === "expiring");
    if (cost > equityMsat && !urgent) {
      for (const item of items) skipped.push({ key: itemKey(item), reason: "insufficient_equity" });
      continue;
    }
    equityMsat = cost > equityMsat ? 0n : equityMsat - cost;
    pool.splice(0, result.coins.length);
    funded.push({ items, funded: result });
  }
  return funded;
}

/** Liabilities once final (closed channels leave, payouts come off their accounts), as salted leaves in owner order. */
function leavesAfter(input: PlanInput, funded: readonly { items: Item[] }[]): Leaf[] {
  const balances = new Map(input.liabilities.map((l) => [l.owner, l.balanceMsat]));
  for (const { items } of funded) {
    for (const item of items) {
      if (item.kind === "close") balances.delete(`channel:${item.close.channelId}`);
      else balances.set(item.payout.key, (balances.get(item.payout.key) ?? 0n) - item.payout.debitMsat);
    }
  }
  const leaves: Leaf[] = [];
  for (const [owner, balanceMsat] of balances) {
    if (balanceMsat < 0n) throw new Error(`plan overdraws ${owner}`);
    if (balanceMsat > 0n) leaves.push({ owner, balanceMsat, salt: leafSalt(input.leafSaltSeed, owner) });
  }
  return leaves.sort((a, b) => byString(a.owner, b.owner));
}

/** Plans a settlement. Deterministic: the same snapshot always gives the same transactions. */
export function planSettlement(input: PlanInput): Plan {
  if (!Number.isSafeInteger(input.feeRateSatPerVb) || input.feeRateSatPerVb < 1)
    throw new RangeError("fee rate must be ≥ 1");
  const skipped: { key: string; reason: SkipReason }[] = [];
  // The anchor's contents depend on the final leaves; its size does not.
  const anchorWeight = (8 + pushSize(46)) * 4;
  const groups = pack(queueOf(input, skipped), input, anchorWeight);
  const funded = fundGroups(groups, input, anchorWeight, skipped);
  const leaves = leavesAfter(input, funded);
  const root = merkleSumRoot(input.settlementId, leaves);
  const anchor = bytesToHex(anchorScript(root));

  const txs: PlannedTx[] = [];
  const payouts: PlannedPayout[] = [];
  const plannedCloses: PlannedClose[] = [];
  funded.forEach((f, index) => {
    const laid = layout(index, f.items, f.funded, input, anchor);
    txs.push(laid.tx);
    payouts.push(...laid.payouts);
    plannedCloses.push(...laid.closes);
  });
  const coins = txs.flatMap((tx) =>
    tx.inputs.flatMap((i) =>
      i.kind === "hub" ? [{ txid: i.txid, vout: i.vout, valueSat: i.valueSat }] : [],
    ),
  );
  return {
    settlementId: input.settlementId,
    txs,
    payouts,
    closes: plannedCloses,
    coins,
    leaves,
    merkleRoot: root.hash,
    totalLiabilitiesMsat: root.sum,
    skipped,
  };
}

const itemKey = (item: Item) => (item.kind === "close" ? `channel:${item.close.channelId}` : item.payout.key);

/** What the hub would pay of a transaction of these items: its fee less payee shares and close leftovers, msat. */
function itemsHubCostMsat(items: readonly Item[], feeSat: bigint): bigint {
  let shares = 0n;
  let leftToHub = 0n;
  for (const item of items) {
    if (item.kind === "payout") shares += item.payout.feeShareSat;
    else leftToHub += item.close.payerBalanceMsat - satToMsat(payerOutputSat(item.close));
  }
  return satToMsat(feeSat - shares) - leftToHub;
}
