import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openDb } from "../src/db/client";
import { checkLedger } from "../src/ledger/invariants";
import { hub, newMerchant, testClock } from "./helpers";
import { openChannel, signedPayment } from "./payers";
import { CHAIN_ENV } from "./regtest";

const h = hub(testClock(), CHAIN_ENV);
const channelRow = (id: string) =>
  env.DB.prepare("SELECT seq, payer_balance_msat FROM channels WHERE id = ?")
    .bind(id)
    .first<{ seq: number; payer_balance_msat: number }>();

describe("concurrent payments against one channel", () => {
  it("200 different states at the same seq: exactly one is paid, 199 get seq_conflict", {
    timeout: 120_000,
  }, async () => {
    const { key } = await newMerchant(h, "Race Shop A");
    const { wallet, channelId } = await openChannel(h, 100_000);
    const bodies = [];
    for (let i = 0; i < 200; i++) {
      const inv = (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 1_000 + i } })).body;
      bodies.push(await signedPayment(wallet, channelId, inv.bolt11, 1_000 + i));
    }
    const replies = await Promise.all(bodies.map((body) => h.call("POST", "/v1/payments", { body })));
    const won = replies.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    for (const r of replies.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("seq_conflict");
    }
    expect(await channelRow(channelId)).toEqual({
      seq: 1,
      payer_balance_msat: 100_000_000 - won[0]!.body.amount_msat,
    });
    expect((await checkLedger(openDb(env.DB))).violations).toEqual([]);
  });

  it("200 payers racing for one channel that affords 14: exactly 14 succeed, 186 get insufficient_balance, never below zero", {
    timeout: 180_000,
  }, async () => {
    const { key } = await newMerchant(h, "Race Shop B");
    const { wallet, channelId } = await openChannel(h, 100_000);
    const amount = 7_000_000; // 14 × 7,000,000 = 98,000,000 ≤ 100,000,000 < 15 × 7,000,000
    const invoices: string[] = [];
    for (let i = 0; i < 200; i++) {
      invoices.push(
        (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: amount } })).body.bolt11,
      );
    }
    // Each racer behaves like an honest wallet: sign the next state on what the hub last showed;
    // on seq_conflict another racer got there first, so look again and re-sign. A racer that
    // cannot afford its invoice still asks (claiming a zero balance): the hub must refuse it.
    const outcomes = await Promise.all(
      invoices.map(async (bolt11) => {
        for (let attempt = 0; attempt < 250; attempt++) {
          const row = (await channelRow(channelId))!;
          expect(row.payer_balance_msat).toBeGreaterThanOrEqual(0);
          const previous = BigInt(row.payer_balance_msat);
          const state = {
            seq: row.seq + 1,
            balanceMsat: previous >= BigInt(amount) ? previous : BigInt(amount),
          };
          const body = await signedPayment(wallet, channelId, bolt11, amount, state);
          const r = await h.call("POST", "/v1/payments", { body });
          if (r.status === 409 && r.body.error.code === "seq_conflict") continue;
          return { status: r.status, code: r.body.error?.code as string | undefined };
        }
        throw new Error("a racer never got a final answer");
      }),
    );
    expect(outcomes.filter((o) => o.status === 201)).toHaveLength(14);
    const refused = outcomes.filter((o) => o.status !== 201);
    expect(refused).toHaveLength(186);
    for (const o of refused) expect(o).toEqual({ status: 409, code: "insufficient_balance" });
    expect(await channelRow(channelId)).toEqual({ seq: 14, payer_balance_msat: 2_000_000 });
    const paid = await env.DB.prepare("SELECT count(*) AS n FROM payments WHERE channel_id = ?")
      .bind(channelId)
      .first<{ n: number }>();
    expect(paid!.n).toBe(14);
    expect((await checkLedger(openDb(env.DB))).violations).toEqual([]);
  });
});
