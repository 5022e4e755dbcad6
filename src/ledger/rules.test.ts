import { expect } from "vitest";
import { decisionTable } from "../../test/table";
import { feeFor } from "./rules";

type Input = { amountMsat: bigint; baseMsat: bigint; ppm: bigint };

decisionTable("feeFor", {
  // The fee is base + amount × ppm / 10⁶ (rounded down), then capped at the amount.
  outcomes: ["part_of_amount", "whole_amount"],
  run: ({ amountMsat, baseMsat, ppm }: Input) => ({
    amountMsat,
    feeMsat: feeFor(amountMsat, { baseMsat, ppm }),
  }),
  outcomeOf: ({ amountMsat, feeMsat }) => (feeMsat === amountMsat ? "whole_amount" : "part_of_amount"),
  rows: [
    {
      name: "a zero policy takes nothing",
      input: { amountMsat: 150_000n, baseMsat: 0n, ppm: 0n },
      outcome: "part_of_amount",
      check: (r) => expect(r.feeMsat).toBe(0n),
    },
    {
      name: "base plus the proportional part",
      input: { amountMsat: 1_000_000n, baseMsat: 1_000n, ppm: 2_500n },
      outcome: "part_of_amount",
      check: (r) => expect(r.feeMsat).toBe(3_500n),
    },
    {
      name: "the proportional part rounds down, in the payer's favour",
      input: { amountMsat: 1_999n, baseMsat: 0n, ppm: 500n },
      outcome: "part_of_amount",
      check: (r) => expect(r.feeMsat).toBe(0n),
    },
    {
      name: "exact beyond 2^53 (bigint all the way)",
      input: { amountMsat: 2n ** 60n + 1n, baseMsat: 7n, ppm: 1_000n },
      outcome: "part_of_amount",
      check: (r) => expect(r.feeMsat).toBe(7n + (2n ** 60n + 1n) / 1_000n),
    },
    {
      name: "a fee exactly equal to the amount is kept as is",
      input: { amountMsat: 1_000n, baseMsat: 1_000n, ppm: 0n },
      outcome: "whole_amount",
      check: (r) => expect(r.feeMsat).toBe(1_000n),
    },
    {
      name: "a base above the amount is capped at the amount, never more",
      input: { amountMsat: 500n, baseMsat: 1_000n, ppm: 10_000n },
      outcome: "whole_amount",
      check: (r) => expect(r.feeMsat).toBe(500n),
    },
  ],
});
