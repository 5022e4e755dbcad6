import { expect } from "vitest";
import { decisionTable } from "../../test/table";
import { type Abandonment, abandonment, type InputEvidence, type Seen, watch } from "./rules";
import type { SettlementTxStatus } from "./settlement";

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
