import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { compactToDer, derToCompact } from "../src/chain/signature";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { openDb } from "../src/db/client";
import { checkLedger } from "../src/ledger/invariants";
import { signInvoice } from "../src/lightning/bolt11";
import { runTick } from "../src/scheduled";
import { hub, newMerchant, random, tableCounts, testClock } from "./helpers";
import { openChannel, signedPayment } from "./payers";
import { CHAIN_ENV, mineTo } from "./regtest";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);
let key: string;
let payer: Awaited<ReturnType<typeof openChannel>>;
let other: Awaited<ReturnType<typeof openChannel>>;

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Strict Shop"));
  payer = await openChannel(h, 100_000);
  other = await openChannel(h, 100_000);
  // One payment so the channel sits at seq 1.
  const inv = (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 1_000 } })).body;
  const first = await h.call("POST", "/v1/payments", {
    body: await signedPayment(payer.wallet, payer.channelId, inv.bolt11, 1_000),
  });
  if (first.status !== 201) throw new Error(JSON.stringify(first.body));
  await payer.wallet.confirmState(payer.channelId, 1, BigInt(first.body.channel.payer_balance_msat));
});

const newInvoice = async (amount = 5_000, extra: Record<string, unknown> = {}) =>
  (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: amount, ...extra } })).body;

type Body = Awaited<ReturnType<typeof signedPayment>>;
const valid = async (amount = 5_000) =>
  signedPayment(payer.wallet, payer.channelId, (await newInvoice(amount)).bolt11, amount);

const highS = (der: string) => {
  const sig = secp.Signature.fromBytes(derToCompact(hexToBytes(der))!);
  return bytesToHex(compactToDer(new secp.Signature(sig.r, secp.Point.CURVE().n - sig.s).toBytes()));
};

// One row per case: a way to spoil a valid payment, then the expected status and code.
const CASES: [string, () => Promise<Body | Record<string, unknown>>, number, string][] = [
  [
    "a forged signature (another key)",
    async () => ({
      ...(await valid()),
      signature: (
        await signedPayment(other.wallet, other.channelId, (await newInvoice()).bolt11, 5_000, {
          seq: 2,
          balanceMsat: 99_999_000n,
        })
      ).signature,
    }),
    422,
    "invalid_signature",
  ],
  [
    "a signature for another channel",
    async () => {
      const inv = await newInvoice();
      const forOther = await signedPayment(other.wallet, other.channelId, inv.bolt11, 5_000);
      return { ...forOther, channel_id: payer.channelId, seq: 2, payer_balance_msat: 99_999_000 - 5_000 };
    },
    422,
    "invalid_signature",
  ],
  [
    "the wrong sighash type (NONE|ACP above dust)",
    async () => ({ ...(await valid()), sighash_type: 0x82 }),
    422,
    "invalid_sighash_type",
  ],
  [
    "the wrong sighash type (ALL)",
    async () => ({ ...(await valid()), sighash_type: 0x01 }),
    422,
    "invalid_sighash_type",
  ],
  [
    "a high-S signature",
    async () => {
      const b = await valid();
      return { ...b, signature: highS(b.signature) };
    },
    422,
    "invalid_signature",
  ],
  [
    "a signature that is not DER",
    async () => ({ ...(await valid()), signature: "00".repeat(70) }),
    422,
    "invalid_signature",
  ],
  ["a skipped seq", async () => ({ ...(await valid()), seq: 3 }), 409, "seq_conflict"],
  ["a stale seq with another state", async () => ({ ...(await valid()), seq: 1 }), 409, "seq_conflict"],
  [
    "a balance that is not previous − amount",
    async () => ({ ...(await valid()), payer_balance_msat: 99_999_000 - 4_999 }),
    422,
    "state_mismatch",
  ],
  [
    "another hub's invoice",
    async () => {
      const foreign = signInvoice(
        {
          network: "regtest",
          amountMsat: 5_000n,
          timestampSeconds: Math.floor(clock.nowMs() / 1000),
          expirySeconds: 3600,
          paymentHash: new Uint8Array(32).fill(1),
          paymentSecret: new Uint8Array(32).fill(2),
          description: "elsewhere",
          descriptionHash: null,
        },
        secp.utils.randomSecretKey(),
      );
      return { ...(await valid()), invoice: foreign };
    },
    404,
    "invoice_not_found",
  ],
  [
    "an expired invoice",
    async () => {
      const inv = await newInvoice(5_000, { expiry_seconds: 60 });
      await env.DB.prepare("UPDATE invoices SET expires_at = created_at WHERE id = ?").bind(inv.id).run();
      return signedPayment(payer.wallet, payer.channelId, inv.bolt11, 5_000);
    },
    410,
    "invoice_expired",
  ],
  [
    "a canceled invoice",
    async () => {
      const inv = await newInvoice();
      await h.call("POST", `/v1/invoices/${inv.id}/cancel`, { key });
      return signedPayment(payer.wallet, payer.channelId, inv.bolt11, 5_000);
    },
    409,
    "invoice_canceled",
  ],
  [
    "an invoice already paid (from another channel)",
    async () => {
      const inv = await newInvoice();
      const paid = await h.call("POST", "/v1/payments", {
        body: await signedPayment(other.wallet, other.channelId, inv.bolt11, 5_000),
      });
      await other.wallet.confirmState(
        other.channelId,
        paid.body.channel.seq,
        BigInt(paid.body.channel.payer_balance_msat),
      );
      return signedPayment(payer.wallet, payer.channelId, inv.bolt11, 5_000);
    },
    409,
    "invoice_paid",
  ],
  [
    "more than the channel holds",
    async () => {
      const inv = await newInvoice(200_000_000);
      return {
        ...(await signedPayment(payer.wallet, payer.channelId, inv.bolt11, 0)),
        payer_balance_msat: 0,
      };
    },
    409,
    "insufficient_balance",
  ],
  [
    "an unknown channel",
    async () => ({ ...(await valid()), channel_id: "ch_nope" }),
    404,
    "channel_not_found",
  ],
  [
    "a malformed hex signature",
    async () => ({ ...(await valid()), signature: "xyz" }),
    400,
    "invalid_parameter",
  ],
  [
    "a negative balance",
    async () => ({ ...(await valid()), payer_balance_msat: -1 }),
    400,
    "invalid_parameter",
  ],
  [
    "a fractional balance",
    async () => ({ ...(await valid()), payer_balance_msat: 1.5 }),
    400,
    "invalid_parameter",
  ],
  ["seq 0", async () => ({ ...(await valid()), seq: 0 }), 400, "invalid_parameter"],
  ["seq as a string", async () => ({ ...(await valid()), seq: "2" }), 400, "invalid_parameter"],
  [
    "a missing signature",
    async () => {
      const { signature: _s, ...rest } = await valid();
      return rest;
    },
    400,
    "missing_parameter",
  ],
  ["an unknown field", async () => ({ ...(await valid()), tip_msat: 5 }), 400, "unknown_parameter"],
  [
    "an invoice that is not BOLT11",
    async () => ({ ...(await valid()), invoice: "hello" }),
    404,
    "invoice_not_found",
  ],
];

describe("every rejection has its code, and nothing changes", () => {
  it.each(CASES)("%s → %s %s", async (_name, make, status, code) => {
    const body = await make();
    const before = await tableCounts();
    const channelBefore = await env.DB.prepare("SELECT seq, payer_balance_msat FROM channels WHERE id = ?")
      .bind(payer.channelId)
      .first();
    const res = await h.call("POST", "/v1/payments", { body });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    const after = await tableCounts();
    // Setting a case up may write (an invoice, a cancel, another channel's payment); the payment itself must not.
    expect(after).toEqual(before);
    expect(
      await env.DB.prepare("SELECT seq, payer_balance_msat FROM channels WHERE id = ?")
        .bind(payer.channelId)
        .first(),
    ).toEqual(channelBefore);
  });

  it("refuses payments on a channel that is closing or not yet open", async () => {
    const inv = await newInvoice();
    const body = await signedPayment(payer.wallet, payer.channelId, inv.bolt11, 5_000);
    await payer.wallet.requestClose(payer.client, payer.channelId);
    const closing = await h.call("POST", "/v1/payments", { body });
    expect(closing.status).toBe(409);
    expect(closing.body.error.code).toBe("channel_closing");
    const offer = await h.call("POST", "/v1/channels", {
      body: {
        payer_pubkey: bytesToHex(secp.getPublicKey(secp.utils.randomSecretKey(), true)),
        capacity_sat: 20_000,
      },
    });
    const pending = await h.call("POST", "/v1/payments", {
      body: { ...body, channel_id: offer.body.id, seq: 1 },
    });
    expect(pending.status).toBe(409);
    expect(pending.body.error.code).toBe("channel_not_open");
  });

  it("accepts payments until the known tip is close_margin_blocks from refund_locktime, then channel_closing", async () => {
    const late = await openChannel(h, 50_000);
    const { refund_locktime: locktime } = await late.client.channel(late.channelId);
    const margin = 6; // CHANNEL_CLOSE_MARGIN_BLOCKS in test/bindings.ts
    await mineTo(locktime - margin - 1);
    await runTick(h.env, clock, random); // the cron records the tip the payment check reads
    await late.wallet.pay(late.client, (await newInvoice(2_000)).bolt11, { channelId: late.channelId });
    await mineTo(locktime - margin);
    await runTick(h.env, clock, random);
    const body = await signedPayment(late.wallet, late.channelId, (await newInvoice()).bolt11, 5_000);
    const before = await tableCounts();
    const res = await h.call("POST", "/v1/payments", { body });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({
      status: 409,
      code: "channel_closing",
    });
    expect(await tableCounts()).toEqual(before);
  });

  it("leaves the ledger balanced after all of that", async () => {
    expect((await checkLedger(openDb(env.DB))).violations).toEqual([]);
  });
});
