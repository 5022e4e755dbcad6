/**
 * workerd's info-level diagnostics, held back from a green run's output.
 *
 * @cloudflare/vitest-pool-workers 0.15.1 starts workerd with `--verbose` (hard-coded in its
 * SHARED_MINIFLARE_OPTIONS; no option turns it off) and writes every info-level line workerd
 * logs to stdout from its `handleStructuredLogs`. Most are workerd noting network errors that the
 * code under test catches and handles, caused on purpose by the tests (webhook receivers that drop
 * connections, nodes that refuse them: "Network connection lost", "stream disconnected
 * prematurely", "connect(): Connection refused"), each with a stack of hex addresses, and one
 * "WebSocket peer disconnected" per test file when the pool disposes of its runtime: thousands of
 * lines a run.
 *
 * This reporter takes exactly the stdout writes made by that pool function (found by the caller
 * in the stack, not by matching text, so nothing else is ever held), keeps them all in
 * test-results/workerd.log, and prints a one-line count. When the run fails, it also prints them
 * grouped by message (hex stacks dropped) after vitest's own report, so a failure's context is
 * there. Warnings and errors from workerd go to stderr and are never touched; neither is anything
 * a test prints (vitest reports that itself, in full, for failing tests).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, TestRunEndReason } from "vitest/node";

/** The pool function whose stdout writes are workerd's info-level lines. */
const POOL_LOGGER = /\bhandleStructuredLogs\b.*vitest-pool-workers/;
const HEX_STACK = /^stack:( \S+@[0-9a-f]+)+$/;

type Write = typeof process.stdout.write;

/** Groups lines by text (stack lines of hex addresses dropped), most frequent first. */
export function groupDiagnostics(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) {
    if (line === "" || HEX_STACK.test(line)) continue;
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([line, n]) => `${String(n).padStart(6)} × ${line}`);
}

export class WorkerdDiagnostics implements Reporter {
  private readonly held: string[] = [];
  private readonly write: Write;

  constructor(private readonly logPath: string) {
    this.write = process.stdout.write.bind(process.stdout) as Write;
    const hold = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (POOL_LOGGER.test(new Error().stack?.split("\n").slice(2, 4).join(" ") ?? "")) {
        this.held.push(...String(chunk).replace(/\n$/, "").split("\n"));
        const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
        done?.();
        return true;
      }
      return (this.write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as Write;
    process.stdout.write = hold;
  }

  onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason) {
    mkdirSync(join(this.logPath, ".."), { recursive: true });
    writeFileSync(this.logPath, this.held.length ? `${this.held.join("\n")}\n` : "");
    const where = `workerd: ${this.held.length} info-level lines (caught network errors, runtime disposal) in ${this.logPath}`;
    if (reason === "passed") {
      this.write(`${where}\n`);
      return;
    }
    this.write(`\n${where}; by message:\n${groupDiagnostics(this.held).join("\n")}\n`);
  }
}
