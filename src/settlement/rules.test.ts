import { expect } from "vitest";
import { decisionTable } from "../../test/table";
import { type Seen, watch } from "./rules";
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
