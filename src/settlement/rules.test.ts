import { describe, expect, it } from "vitest";
import { decisionTable } from "../../test/table";
import type { Channel } from "../channels/channel";
import {
  type Abandonment,
  abandonBookkeeping,
  abandonment,
  type BumpLoad,
  decideBump,
  finalBookkeeping,
  type InputEvidence,
  payable,
  payableCandidates,
  type Seen,
  watch,
} from "./rules";
import type { PayoutCandidate, PayoutRow, PlannedInput, PlannedTx, SettlementTxStatus } from "./settlement";

const POLICY = { finalConfirmations: 6, bumpAfterBlocks: 3 };
const TIP = 500;

type Tx = Parameters<typeof watch>[0];
const sent: Tx = {
  status: "broadcast" as SettlementTxStatus,
  broadcastHeight: TIP - 1,
  confirmations: 0,
  confirmedVersion: null,
};
const confirmedTx = (confirmations: number, version = 0): Tx => ({
  status: "confirmed",
  broadcastHeight: TIP - 10,
  confirmations,
  confirmedVersion: version,
});

type Input = { tx: Tx; seen: Seen[]; tip?: number };

decisionTable("watch", {
  outcomes: ["final", "confirmed", "wait", "reorged", "rebroadcast", "bump"],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "watch" },
  run: ({ tx, seen, tip }: Input) => watch(tx, seen, tip ?? TIP, POLICY),
  outcomeOf: (a) => a.kind,
  rows: [
    {
      name: "a version with the final number of confirmations is final",
      input: { tx: confirmedTx(5), seen: [6] },
      outcome: "final",
      check: (a) => expect(a).toEqual({ kind: "final", version: 0, confirmations: 6 }),
    },
    {
      name: "a bumped version that is final is final, whichever version it is",
      input: { tx: sent, seen: [null, null, 9] },
      outcome: "final",
      check: (a) => expect(a).toEqual({ kind: "final", version: 2, confirmations: 9 }),
    },
    {
      name: "a sent transaction seen in a block is confirmed",
      input: { tx: sent, seen: [1] },
      outcome: "confirmed",
      check: (a) => expect(a).toEqual({ kind: "confirmed", version: 0, confirmations: 1 }),
    },
    {
      name: "a confirmed one with more confirmations records the new count",
      input: { tx: confirmedTx(2), seen: [3] },
      outcome: "confirmed",
    },
    {
      name: "a confirmed one now confirmed in another version (a reorg swapped them) records that version",
      input: { tx: confirmedTx(2, 0), seen: [null, 2] },
      outcome: "confirmed",
      check: (a) => expect(a).toEqual({ kind: "confirmed", version: 1, confirmations: 2 }),
    },
    {
      name: "confirmed as recorded, not yet final: wait",
      input: { tx: confirmedTx(3), seen: [3] },
      outcome: "wait",
    },
    {
      name: "a confirmed one that no version shows in a block any more was reorged out",
      input: { tx: confirmedTx(3), seen: [0] },
      outcome: "reorged",
    },
    {
      name: "reorged out and gone from the mempool too is still reorged first",
      input: { tx: confirmedTx(3), seen: [null] },
      outcome: "reorged",
    },
    {
      name: "a sent transaction the node knows in no version was dropped: send the same bytes again",
      input: { tx: sent, seen: [null, null] },
      outcome: "rebroadcast",
    },
    {
      name: "unconfirmed for bumpAfterBlocks since it was sent, it is stuck: bump the fee",
      input: { tx: sent, seen: [0], tip: (sent.broadcastHeight ?? 0) + POLICY.bumpAfterBlocks },
      outcome: "bump",
    },
    {
      name: "in the mempool one block short of bumpAfterBlocks: wait",
      input: { tx: sent, seen: [0], tip: (sent.broadcastHeight ?? 0) + POLICY.bumpAfterBlocks - 1 },
      outcome: "wait",
    },
    {
      name: "in the mempool with no broadcast height recorded: wait, never bump blind",
      input: { tx: { ...sent, broadcastHeight: null }, seen: [0], tip: TIP + 1_000 },
      outcome: "wait",
    },
  ],
});

const OURS = ["aa".repeat(32), "ab".repeat(32)];
const FOREIGN = "ff".repeat(32);
const FINAL = 6;
const input = (n: number, evidence: Partial<InputEvidence> = {}): InputEvidence => ({
  outpoint: `${"0".repeat(63)}${n}:0`,
  spentInChain: false,
  spender: null,
  ...evidence,
});
const spentBy = (txid: string, confirmations: number, spendsIt = true): Partial<InputEvidence> => ({
  spentInChain: true,
  spender: { txid, confirmations, spendsIt },
});
const reason = (text: RegExp) => (a: Abandonment) => expect(a.kind === "keep" ? a.reason : "").toMatch(text);

type Evidence = { seen: Seen[]; inputs: InputEvidence[] };

decisionTable("abandonment", {
  outcomes: ["keep", "abandon"],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "abandonment" },
  run: ({ seen, inputs }: Evidence) => abandonment(OURS, seen, inputs, FINAL),
  outcomeOf: (a) => a.kind,
  rows: [
    {
      name: "a version of ours confirmed: keep, whatever else the node says",
      input: { seen: [null, 1], inputs: [input(1, spentBy(FOREIGN, 9))] },
      outcome: "keep",
      check: reason(/confirmed/),
    },
    {
      name: "an input spent on chain by a version of ours the node does not show (it lied 'not found'): keep",
      input: { seen: [null, null], inputs: [input(1, spentBy(OURS[1]!, 9)), input(2, spentBy(OURS[1]!, 9))] },
      outcome: "keep",
      check: reason(/version of it spends/),
    },
    {
      name: "a foreign transaction spent an input, finalConfirmations deep, none of ours confirmed: abandon",
      input: { seen: [null, null], inputs: [input(1, spentBy(FOREIGN, FINAL)), input(2)] },
      outcome: "abandon",
      check: (a) => expect(a).toEqual({ kind: "abandon", spent: [input(1).outpoint] }),
    },
    {
      name: "proven even while the node still shows a version of ours in its mempool (a conflict it has not dropped)",
      input: { seen: [0, null], inputs: [input(1, spentBy(FOREIGN, FINAL + 3))] },
      outcome: "abandon",
    },
    {
      name: "a foreign spend one block short of finalConfirmations: keep (a reorg may take it away)",
      input: { seen: [null, null], inputs: [input(1, spentBy(FOREIGN, FINAL - 1))] },
      outcome: "keep",
      check: reason(/5 of 6 confirmations/),
    },
    {
      name: "a foreign spend reorged out (the node shows it in no block): keep",
      input: { seen: [null, null], inputs: [input(1, spentBy(FOREIGN, 0))] },
      outcome: "keep",
      check: reason(/0 of 6/),
    },
    {
      name: "a found 'spender' whose bytes do not spend the input proves nothing: keep",
      input: { seen: [null, null], inputs: [input(1, spentBy(FOREIGN, 9, false))] },
      outcome: "keep",
      check: reason(/not found in the blocks scanned/),
    },
    {
      name: "a deep transaction that does not count as a spend unless the input is spent in the chain: keep",
      input: {
        seen: [null, null],
        inputs: [
          input(1, { spentInChain: false, spender: { txid: FOREIGN, confirmations: 9, spendsIt: true } }),
        ],
      },
      outcome: "keep",
      check: reason(/no input is spent/),
    },
    {
      name: "spent on chain, but the spender is not in the blocks scanned: keep (the operator must look)",
      input: { seen: [null, null], inputs: [input(1, { spentInChain: true })] },
      outcome: "keep",
      check: reason(/not found in the blocks scanned/),
    },
    {
      name: "spent only in the mempool (the UTXO set still has it): keep",
      input: { seen: [null, null], inputs: [input(1), input(2)] },
      outcome: "keep",
      check: reason(/no input is spent on chain/),
    },
  ],
});

const candidate = (availableMsat: bigint, kind: "merchant" | "refund" = "merchant"): PayoutCandidate => ({
  kind,
  ownerId: "m1",
  script: "0014".padEnd(44, "1"),
  availableMsat,
});

decisionTable("payable", {
  outcomes: ["nothing_payable", "clamped", "whole"],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "payable" },
  run: ({ available, held }: { available: bigint; held: bigint }) => payable(candidate(available), held),
  outcomeOf: (p) => p.kind,
  rows: [
    {
      name: "a balance the liabilities snapshot no longer holds (refunded in between) is not offered",
      input: { available: 5_000_000n, held: 0n },
      outcome: "nothing_payable",
    },
    {
      name: "a candidate read at zero is not offered, whatever the snapshot holds",
      input: { available: 0n, held: 5_000_000n },
      outcome: "nothing_payable",
    },
    {
      name: "a snapshot holding less than the candidate read: offer only what it holds",
      input: { available: 5_000_000n, held: 3_000_000n },
      outcome: "clamped",
      check: (p) => expect(p).toEqual({ kind: "clamped", availableMsat: 3_000_000n }),
    },
    {
      name: "a snapshot holding at least the candidate: offer the whole candidate",
      input: { available: 5_000_000n, held: 5_000_000n },
      outcome: "whole",
      check: (p) => expect(p).toEqual({ kind: "whole", availableMsat: 5_000_000n }),
    },
  ],
});

describe("payableCandidates", () => {
  it("looks each candidate up under its own account, clamps it, and drops what nothing backs", () => {
    const merchant = { ...candidate(4_000n), ownerId: "m1" };
    const refund = { ...candidate(9_000n, "refund"), ownerId: "ch1" };
    const gone = { ...candidate(7_000n), ownerId: "m2" };
    const liabilities = [
      { owner: "merchant:m1", balanceMsat: 10_000n },
      { owner: "refund_owed:ch1", balanceMsat: 6_000n },
      // A refund_owed balance under the merchant's id must not back the merchant.
      { owner: "refund_owed:m2", balanceMsat: 7_000n },
    ];
    expect(payableCandidates([merchant, refund, gone], liabilities)).toEqual([
      merchant,
      { ...refund, availableMsat: 6_000n },
    ]);
  });
});

const hubInput = (n: number): PlannedInput => ({
  kind: "hub",
  txid: `${n}`.padStart(64, "c"),
  vout: 0,
  sequence: 0xfffffffd,
  valueSat: 100_000n,
});
const channelInput = (channelId: string, n: number): PlannedInput => ({
  kind: "channel",
  channelId,
  txid: `${n}`.padStart(64, "d"),
  vout: 1,
  sequence: 0x80000003,
  valueSat: 50_000n,
  witnessScript: "51",
  payerSignature: "30",
  sighashType: 0x83,
});
const plannedTx = (over: Partial<PlannedTx> = {}): PlannedTx => ({
  index: 0,
  inputs: [channelInput("ch1", 1), hubInput(2)],
  outputs: [
    { kind: "payer", channelId: "ch1", script: "0014aa", valueSat: 20_000n },
    { kind: "payout", payoutKey: "merchant:m1", script: "0014bb", valueSat: 30_000n },
    { kind: "anchor", script: "6a", valueSat: 0n },
    { kind: "change", script: "0014cc", valueSat: 90_000n },
  ],
  feeSat: 2_000n,
  feeRateSatPerVb: 10,
  vsize: 200,
  payeeFeeSat: 400n,
  leftToHubMsat: 500n,
  urgent: false,
  ...over,
});

const BUMP_POLICY = { maxBumps: 3, maxFeeRateSatPerVb: 50, dustSat: 546n };
const roomy: BumpLoad = { targetFeeRateSatPerVb: 20, equityMsat: 10_000_000n, otherOpen: [] };
type BumpInput = { version?: number; plan?: PlannedTx; load?: BumpLoad | null };

decisionTable("decideBump", {
  outcomes: ["limit_reached", "fee_at_max", "change_short", "equity_short", "bump"],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "decideBump" },
  run: ({ version, plan, load }: BumpInput) =>
    decideBump(
      { version: version ?? 0, plan: plan ?? plannedTx() },
      load === undefined ? roomy : load,
      BUMP_POLICY,
    ),
  outcomeOf: (d) => d.kind,
  rows: [
    {
      name: "bumped maxBumps times already: refuse, the operator must look",
      input: { version: BUMP_POLICY.maxBumps },
      outcome: "limit_reached",
      check: (d) => expect(d.kind === "limit_reached" && d.reason).toMatch(/operator must look/),
    },
    {
      name: "nothing loaded (the service asks the node nothing past the limit): refuse as at the limit",
      input: { load: null },
      outcome: "limit_reached",
    },
    {
      name: "the fee already pays MAX_FEE_RATE_SAT_PER_VB: refuse",
      input: { plan: plannedTx({ feeSat: 50n * 200n }) },
      outcome: "fee_at_max",
    },
    {
      name: "the change cannot pay the higher fee without falling below dust: refuse",
      input: {
        plan: plannedTx({
          outputs: [
            { kind: "payout", payoutKey: "merchant:m1", script: "0014bb", valueSat: 30_000n },
            { kind: "change", script: "0014cc", valueSat: 1_000n },
          ],
        }),
      },
      outcome: "change_short",
    },
    {
      name: "the hub's equity cannot cover this bump with the settlement's other unfinished shares: refuse",
      input: { load: { ...roomy, equityMsat: 1_000_000n, otherOpen: [plannedTx({ index: 1 })] } },
      outcome: "equity_short",
    },
    {
      name: "a bump within equity: the same transaction paying the higher fee from its change",
      input: {},
      outcome: "bump",
      // max(2000 + 200 by BIP 125, 200 vB × 20 sat/vB, 2000 × 1.5) = 4000 sat; the change pays the 2000 more.
      check: (d) => {
        const plan = d.kind === "bump" ? d.plan : plannedTx();
        expect(plan.feeSat).toBe(4_000n);
        expect(plan.outputs.at(-1)).toEqual({ kind: "change", script: "0014cc", valueSat: 88_000n });
      },
    },
    {
      name: "an expiring channel's close is bumped even past the hub's equity",
      input: { plan: plannedTx({ urgent: true }), load: { ...roomy, equityMsat: 0n } },
      outcome: "bump",
    },
    {
      name: "the node's fee target above MAX_FEE_RATE_SAT_PER_VB: bumped to the cap, not past it",
      input: { load: { ...roomy, targetFeeRateSatPerVb: 500 } },
      outcome: "bump",
      check: (d) => expect(d.kind === "bump" && d.plan.feeSat).toBe(50n * 200n),
    },
  ],
});

const channel = (id: string, over: Partial<Channel> = {}): Channel => ({
  id,
  status: "closing",
  payerPubkey: "02".padEnd(66, "1"),
  hubPubkey: "03".padEnd(66, "2"),
  refundLocktime: 900,
  witnessScript: "51",
  fundingScriptPubkey: "0020".padEnd(68, "3"),
  capacitySat: 50_000n,
  refundScriptPubkey: "0014aa",
  seq: 3,
  payerBalanceMsat: 20_000_700n,
  stateSighashType: 0x83,
  stateSignature: "30",
  fundingTxid: "1".padStart(64, "d"),
  fundingVout: 1,
  fundingConfirmations: 6,
  fundingVerifiedAt: 100,
  fundingError: null,
  createdAt: 90,
  offerExpiresAt: 200,
  openedAt: 100,
  closeRequestedAt: null,
  closedAt: null,
  settlementId: "stl_1",
  closeReason: "exhausted",
  ...over,
});
const payoutRow = (over: Partial<PayoutRow> = {}): PayoutRow => ({
  id: "po_1",
  settlementId: "stl_1",
  txIdx: 0,
  vout: 1,
  kind: "merchant",
  merchantId: "m1",
  channelId: null,
  scriptPubkey: "0014bb",
  amountSat: 30_000n,
  feeShareSat: 400n,
  debitMsat: 30_400_000n,
  status: "broadcast",
  txid: "e".repeat(64),
  createdAt: 100,
  broadcastAt: 110,
  confirmedAt: null,
  ...over,
});
const NOW_SECONDS = 2_000;
const version = (plan: PlannedTx) => ({ txid: "f".repeat(64), version: 1, plan, rawTx: "00" });
const known = new Map([["ch1", channel("ch1")]]);

type FinalInput = { plan?: PlannedTx; channels?: Map<string, Channel> };

decisionTable("finalBookkeeping", {
  outcomes: ["unknown_channel", "final"],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "finalBookkeeping" },
  run: ({ plan, channels }: FinalInput) =>
    finalBookkeeping(version(plan ?? plannedTx()), [payoutRow()], channels ?? known, NOW_SECONDS),
  outcomeOf: (b) => b.kind,
  rows: [
    {
      name: "a channel input the store did not find: a broken invariant for the caller to raise",
      input: { channels: new Map() },
      outcome: "unknown_channel",
      check: (b) => expect(b).toEqual({ kind: "unknown_channel", channelId: "ch1" }),
    },
    {
      name: "final: payouts confirmed with the confirming txid, coin spent, channel closed, change, fee and leftover",
      input: {},
      outcome: "final",
      check: (b) =>
        expect(b).toEqual({
          kind: "final",
          changes: {
            payouts: [payoutRow({ status: "confirmed", txid: "f".repeat(64), confirmedAt: NOW_SECONDS })],
            inputs: [
              { kind: "channel", channel: known.get("ch1"), payerSat: 20_000n },
              { kind: "coin", coin: { txid: "2".padStart(64, "c"), vout: 0 } },
            ],
            change: { txid: "f".repeat(64), vout: 3, valueSat: 90_000n },
            hubFeeMsat: (2_000n - 400n) * 1000n,
            leftToHubMsat: 700n,
          },
        }),
    },
    {
      name: "a payer who gave up a dust balance (no payer output) leaves the hub all of it",
      input: {
        plan: plannedTx({
          outputs: [
            { kind: "anchor", script: "6a", valueSat: 0n },
            { kind: "change", script: "0014cc", valueSat: 90_000n },
          ],
        }),
      },
      outcome: "final",
      check: (b) => expect(b.kind === "final" && b.changes.leftToHubMsat).toBe(20_000_700n),
    },
  ],
});

type AbandonInput = { channels?: Map<string, Channel>; spent?: string[] };

decisionTable("abandonBookkeeping", {
  outcomes: ["unknown_channel", "abandon"],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "abandonBookkeeping" },
  run: ({ channels, spent }: AbandonInput) =>
    abandonBookkeeping(
      plannedTx(),
      [payoutRow(), payoutRow({ id: "po_2", kind: "refund", merchantId: null, channelId: "ch9" })],
      channels ?? known,
      new Set(spent ?? []),
    ),
  outcomeOf: (b) => b.kind,
  rows: [
    {
      name: "a channel input the store did not find: a broken invariant for the caller to raise",
      input: { channels: new Map() },
      outcome: "unknown_channel",
    },
    {
      name: "nothing of it spent elsewhere: payouts failed back to their balances, coin released, channel reopened",
      input: {},
      outcome: "abandon",
      check: (b) =>
        expect(b.kind === "abandon" && b.changes).toEqual({
          payouts: [
            { payout: payoutRow({ status: "failed" }), backTo: "merchant:m1" },
            {
              payout: payoutRow({
                id: "po_2",
                kind: "refund",
                merchantId: null,
                channelId: "ch9",
                status: "failed",
              }),
              backTo: "refund_owed:ch9",
            },
          ],
          inputs: [
            { kind: "reopen", channel: known.get("ch1") },
            { kind: "coin", coin: { txid: "2".padStart(64, "c"), vout: 0 } },
          ],
        }),
    },
    {
      name: "the channel's output proven spent (the payer's CLTV refund): that channel is booked refunded",
      input: { spent: [`${"1".padStart(64, "d")}:1`] },
      outcome: "abandon",
      check: (b) =>
        expect(b.kind === "abandon" && b.changes.inputs[0]).toEqual({
          kind: "refund",
          channel: known.get("ch1"),
        }),
    },
  ],
});
