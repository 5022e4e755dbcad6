/**
 * The README's walk-through, run as written: `npm start` (the real one: regtest node, wrangler dev,
 * the demo merchant and its Lightning Address behind the local TLS terminator) in a state dir of
 * its own on free ports, then the README's shell block, extracted between its walkthrough markers,
 * in bash. Every `# → value` line under a command in the block must be what that block printed, in
 * order, and the CSV it downloaded must hold the euro payment. Runs in Node (the browser project).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../scripts/lib/dev.mjs";
import { freePort } from "../scripts/lib/regtest.mjs";

/** The shell block between `<!-- walkthrough:begin -->` and `<!-- walkthrough:end -->` in README.md. */
function walkthroughBlock(readme: string): string {
  const m = /<!-- walkthrough:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!m) throw new Error("README.md has no walkthrough block");
  return m[1]!;
}

/** The `# → value` lines of a block: what its commands print, in order. */
const expectedOutputs = (block: string): string[] =>
  block
    .split("\n")
    .filter((line) => line.startsWith("# → "))
    .map((line) => line.slice("# → ".length).trim());

const stateDir = mkdtempSync(join(tmpdir(), "sluice-walkthrough-"));
let hub: ChildProcess;
let hubOutput = "";

/** Starts `npm start` in its own process group; resolves once it says it is running. */
async function startHub(): Promise<void> {
  const env = {
    ...process.env,
    SLUICE_STATE_DIR: stateDir,
    SLUICE_PORT: String(await freePort()),
    SLUICE_RPC_PORT: String(await freePort()),
    SLUICE_LNURL_TLS_PORT: String(await freePort()),
  };
  hub = spawn("npm", ["start"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      hubOutput = (hubOutput + chunk.toString()).slice(-4000);
      if (hubOutput.includes("Sluice is running at")) resolve();
    };
    hub.stdout!.on("data", seen);
    hub.stderr!.on("data", seen);
    hub.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${hubOutput}`)));
  });
}

/** Stops `npm start` as Ctrl-C would (it stops its node and Worker), then waits for it to exit. */
async function stopHub(): Promise<void> {
  if (!hub?.pid || hub.exitCode !== null) return;
  const exited = new Promise((r) => hub.once("exit", r));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-hub.pid!, name);
    } catch {}
  };
  signal("SIGTERM");
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise((r) => setTimeout(() => r(true), 30_000)),
  ]);
  if (timedOut) signal("SIGKILL");
}

beforeAll(startHub, 240_000);

afterAll(async () => {
  await stopHub();
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe("the README walk-through", () => {
  it("prints what the README says, against npm start, and downloads the euro payment as CSV", async () => {
    const block = walkthroughBlock(readFileSync(join(ROOT, "README.md"), "utf8"));
    const expected = expectedOutputs(block);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    // Inside the checkout (npm finds package.json upwards), away from its files: the CSV lands here.
    mkdirSync(join(ROOT, "test-results"), { recursive: true });
    const cwd = mkdtempSync(join(ROOT, "test-results/walkthrough-"));
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>(
      (resolve) => {
        execFile(
          "bash",
          ["-euo", "pipefail", "-c", block],
          { cwd, env: { ...process.env, SLUICE_STATE_DIR: stateDir }, timeout: 300_000 },
          (error, out, err) =>
            resolve({ stdout: out, stderr: err, code: error ? ((error.code as number) ?? 1) : 0 }),
        );
      },
    );
    expect(code, `stderr:\n${stderr}\nstdout:\n${stdout}\nhub:\n${hubOutput}`).toBe(0);
    const printed = stdout.split("\n").map((l) => l.trim());
    let from = 0;
    for (const want of expected) {
      const at = printed.indexOf(want, from);
      expect(at, `"${want}" in order in:\n${stdout}`).toBeGreaterThanOrEqual(0);
      from = at + 1;
    }

    const rows = parse(readFileSync(join(cwd, "payments.csv"), "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    const espresso = rows.find((r) => r.description === "1 espresso");
    expect(espresso).toMatchObject({
      amount_msat: "3888889",
      fiat_currency: "EUR",
      amount_fiat: "3.50",
      btc_price_fiat: "90000.00",
      priced_in_fiat: "true",
    });
    rmSync(cwd, { recursive: true, force: true });
  }, 300_000);
});
