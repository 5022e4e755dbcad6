import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SluiceClient } from "../src/client/api";
import { LIMITS } from "../src/core/limits";
import type { FaultStep } from "../src/settlement/service";
import { hub, testClock } from "./helpers";
import { openChannel } from "./payers";
import { chain, mine } from "./regtest";
import {
  fundHubWallet,
  ledgerViolations,
  merchantWithPayouts,
  outputsPaying,
  prng,
  runWith,
  SETTLE_ENV,
} from "./settle";

const clock = testClock();
const h = hub(clock, SETTLE_ENV);
const client = new SluiceClient("http://hub.test", h.fetch);
const STEPS: FaultStep[] = ["after_plan", "after_sign", "after_broadcast", "before_final_bookkeeping"];
const SEEDS = 16;

class Crash extends Error {}

describe("settlement across crashes and overlapping runs", () => {
  it(`crashing at every step (${SEEDS} seeds), with overlapping runs, pays each merchant exactly once`, {
    timeout: 600_000,
  }, async () => {
    await fundHubWallet(h, 50_000_000);
    const payer = await openChannel(h, 5_000_000);
    for (let seed = 1; seed <= SEEDS; seed++) {
      const random = prng(seed);
      const where = `seed ${seed}`;
      const step = STEPS[seed % STEPS.length]!;
      let crashesLeft = 1 + Math.floor(random() * 2);
      let crashes = 0;
      const overlap = random() < 0.5;
      // Two merchants per seed, each paid a random amount from the payer's channel.
      const shops = [];
      for (let m = 0; m < 2; m++) {
        const shop = await merchantWithPayouts(h, `Fault ${seed}.${m}`);
        const amount = 2_000_000 + Math.floor(random() * 3_000_000);
        const inv = await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: amount } });
        await payer.wallet.pay(client, inv.body.bolt11, { channelId: payer.channelId });
        const balance = (await h.call("GET", "/v1/balance", { key: shop.key })).body.available_msat as number;
        shops.push({ ...shop, balance });
      }
      const startHeight = await chain.tipHeight();
      let settlementId: string | null = null;
      for (let round = 0; round < 30; round++) {
        const fault = (at: FaultStep) => {
          if (at === step && crashesLeft > 0) {
            crashesLeft--;
            crashes++;
            throw new Crash(`${where}: crash ${at}`);
          }
        };
        const runs = [runWith(h, { fault })];
        // An overlapping run that believes the first one's lease already expired: only the
        // guarded transitions stand between them.
        if (overlap) runs.push(runWith(h, { fault, laterMs: (LIMITS.settlementLeaseSeconds + 1) * 1000 }));
        const results = await Promise.allSettled(runs);
        for (const r of results) {
          if (r.status === "rejected" && !(r.reason instanceof Crash)) throw r.reason;
          if (r.status === "fulfilled") settlementId ??= r.value.planned;
        }
        // A crashed run holds its lease until it expires.
        clock.advanceSeconds(LIMITS.settlementLeaseSeconds + 1);
        const active = await env.DB.prepare("SELECT id, status FROM settlements WHERE active = 1").first<{
          id: string;
          status: string;
        }>();
        settlementId ??= active?.id ?? null;
        if (!active && settlementId) break;
        if (active && ["broadcast", "confirmed"].includes(active.status)) await mine(1);
      }
      expect(settlementId, where).not.toBeNull();
      expect(crashes, `${where}: the crash at ${step} happened`).toBeGreaterThan(0);
      const final = await env.DB.prepare("SELECT status FROM settlements WHERE id = ?")
        .bind(settlementId)
        .first<{ status: string }>();
      expect(final?.status, where).toBe("final");
      for (const shop of shops) {
        const payouts = (await h.call("GET", "/v1/payouts", { key: shop.key })).body.data;
        expect(payouts, where).toHaveLength(1);
        const [payout] = payouts;
        expect(payout.status, where).toBe("confirmed");
        expect(payout.amount_sat, where).toBe(Math.floor(shop.balance / 1000) - payout.fee_share_sat);
        // Exactly one output on the whole chain pays this merchant: no double payout, none lost.
        const paid = await outputsPaying(shop.payout.script, startHeight + 1);
        expect(paid, where).toEqual([
          { txid: payout.txid, vout: payout.vout, valueSat: BigInt(payout.amount_sat) },
        ]);
      }
      expect(await ledgerViolations(), where).toEqual([]);
    }
  });
});
