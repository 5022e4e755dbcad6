/**
 * Table tests for pure deciders (TigerBeetle's state-machine tests): one row per case, the
 * expected outcome last, rows in the order the function checks them. Besides running each row,
 * a table proves it is complete: every outcome the function can return has a row, and when
 * `source` is given, every outcome code written in the function's body is one of `outcomes`, so
 * a new `domainError("…")` or `kind: "…"` in the decider fails its table until a row is added.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

export interface Row<Input, Outcome extends string, Result> {
  /** What the row shows, as a sentence. */
  readonly name: string;
  readonly input: Input;
  readonly outcome: Outcome;
  /** Further assertions on this row's result (the new state, the error's field…). */
  readonly check?: (result: Result) => void;
}

export interface Table<Input, Outcome extends string, Result> {
  /** Every outcome the decider can return, in the order it checks for them. */
  readonly outcomes: readonly Outcome[];
  readonly rows: readonly Row<Input, Outcome, Result>[];
  /** Runs the decider on a row's input. */
  readonly run: (input: Input) => Result;
  /** The outcome a result stands for: an error's code, a decision's kind, a new status. */
  readonly outcomeOf: (result: Result) => string;
  /**
   * The decider's source: `file` (pass `import.meta.url` for "./rules.ts" beside the test, or
   * a URL), the exported function's name, and the pattern whose first group is an outcome code
   * (default: `domainError("code"` and `kind: "code"`).
   */
  readonly source?: { readonly file: URL; readonly fn: string; readonly pattern?: RegExp };
}

const OUTCOME_IN_SOURCE = /domainError\(\s*"([a-z_]+)"|kind: "([a-z_]+)"/g;

/** The outcome codes written in an exported function's body, each once, in the order written. */
export function outcomesInSource(file: URL, fn: string, pattern: RegExp = OUTCOME_IN_SOURCE): string[] {
  const text = readFileSync(fileURLToPath(file), "utf8");
  const start = text.search(new RegExp(`^export function ${fn}\\b`, "m"));
  if (start < 0) throw new Error(`no exported function ${fn} in ${file}`);
  const end = text.indexOf("\n}\n", start);
  const body = text.slice(start, end < 0 ? undefined : end);
  const found = [...body.matchAll(new RegExp(pattern.source, "g"))].map((m) => m.slice(1).find(Boolean)!);
  return [...new Set(found)];
}

/** The outcomes in the order their first row appears. */
const firstAppearances = (outcomes: readonly string[]) => [...new Set(outcomes)];

/** Declares the table's tests in a `describe` named after the decider. */
export function decisionTable<Input, Outcome extends string, Result>(
  decider: string,
  table: Table<Input, Outcome, Result>,
) {
  describe(decider, () => {
    it.each(table.rows.map((row) => [row.name, row] as const))("%s", (_name, row) => {
      const result = table.run(row.input);
      expect(table.outcomeOf(result)).toBe(row.outcome);
      row.check?.(result);
    });

    it("has a row for every outcome it can return, in the order it checks them", () => {
      expect(firstAppearances(table.rows.map((r) => r.outcome))).toEqual([...table.outcomes]);
    });

    if (table.source) {
      const { file, fn, pattern } = table.source;
      it(`lists every outcome written in ${fn}'s body, in the order written`, () => {
        const written = outcomesInSource(file, fn, pattern);
        expect(written.filter((code) => !table.outcomes.includes(code as Outcome))).toEqual([]);
        expect(table.outcomes.filter((o) => written.includes(o))).toEqual(written);
      });
    }
  });
}
