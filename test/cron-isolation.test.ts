/**
 * A cron tick's jobs are isolated (src/scheduled.ts): one that throws stops none of the others in
 * the same tick, is named in the report, and is logged with every secret struck out.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../src/config";
import { isolatedJobs, runTick } from "../src/scheduled";
import { TEST_BINDINGS } from "./bindings";
import { hub, newMerchant, random, testClock } from "./helpers";

const SECRET_VALUES = [TEST_BINDINGS.HUB_SEED, TEST_BINDINGS.OPERATOR_TOKEN, "rpc-password-1234"];
const rename = (from: string, to: string) => env.DB.prepare(`ALTER TABLE ${from} RENAME TO ${to}`).run();

describe("a cron tick whose jobs throw", () => {
  it("runs every other job of that tick, names the failed ones, and logs them without secrets", async () => {
    const clock = testClock();
    const h = hub(clock);
    const shop = await newMerchant(h, "Cron Shop");
    // A receiver that refuses connections: a delivery attempt is proof the webhook job ran.
    const hook = await h.call("POST", "/v1/webhook-endpoints", {
      key: shop.key,
      body: { url: "http://127.0.0.1:1/hooks" },
    });
    expect(hook.status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const inv = await h.call("POST", "/v1/invoices", {
        key: shop.key,
        body: { amount_msat: 1_000 + i, expiry_seconds: 60 },
      });
      ids.push(inv.body.id);
    }
    clock.advanceSeconds(61);

    // The first job (rates) and one in the middle (idempotency purge) now fail on D1.
    await rename("rate_quotes", "rate_quotes_away");
    await rename("idempotency_keys", "idempotency_keys_away");
    const lines: string[] = [];
    const rpcEnv = { ...h.env, BITCOIN_RPC_PASSWORD: "rpc-password-1234" } as Env;
    let report: Awaited<ReturnType<typeof runTick>>;
    try {
      report = await runTick(rpcEnv, clock, random, (line) => lines.push(line));
    } finally {
      await rename("rate_quotes_away", "rate_quotes");
      await rename("idempotency_keys_away", "idempotency_keys");
    }

    expect(report.failedJobs).toEqual(["rates", "idempotency"]);
    expect(report.rates).toEqual({ quoted: 0, failures: [], rated: [] });
    expect(report.idempotencyKeysPurged).toBe(0);
    // Between the two failures and after them, the jobs ran.
    expect(report.invoicesExpired).toBeGreaterThanOrEqual(3);
    for (const id of ids) {
      const row = await env.DB.prepare("SELECT status FROM invoices WHERE id = ?").bind(id).first();
      expect(row).toMatchObject({ status: "expired" });
    }
    expect(report.webhookAttempts).toBeGreaterThanOrEqual(1);

    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.map((l) => [l.cron, l.job])).toEqual([
      ["job_failed", "rates"],
      ["job_failed", "idempotency"],
    ]);
    expect(logged[0].error).toMatch(/rate_quotes/);
    expect(logged[1].error).toMatch(/idempotency_keys/);
    for (const line of lines) for (const secret of SECRET_VALUES) expect(line).not.toContain(secret);

    // Repaired: the next tick is clean.
    const next = await runTick(rpcEnv, clock, random, (line) => lines.push(line));
    expect(next.failedJobs).toEqual([]);
    expect(lines).toHaveLength(2);
  });

  it("strikes the hub's secrets out of what a throwing job's error says, and the next job still runs", async () => {
    const secretEnv = { ...env, BITCOIN_RPC_PASSWORD: "rpc-password-1234" } as Env;
    const lines: string[] = [];
    const { run, failed } = isolatedJobs(secretEnv, (line) => lines.push(line));
    const leaky = new Error(
      `seed ${TEST_BINDINGS.HUB_SEED}, token ${TEST_BINDINGS.OPERATOR_TOKEN}, ` +
        "node http://sluice:rpc-password-1234@127.0.0.1:18443, key sk_live_Ab3dE9xQ7zk, whsec_MfKQ9r8GKYqrTw==",
    );
    const first = await run("settlement", async () => Promise.reject(leaky), "fallback");
    const second = await run("webhooks", async () => "ran", "fallback");
    expect([first, second]).toEqual(["fallback", "ran"]);
    expect(failed).toEqual(["settlement"]);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const secret of [...SECRET_VALUES, "sk_live_Ab3dE9xQ7zk", "whsec_MfKQ9r8GKYqrTw==", "sluice:"])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({
      cron: "job_failed",
      job: "settlement",
      error: expect.stringContaining("127.0.0.1:18443"),
    });
  });
});
