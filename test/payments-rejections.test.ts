import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { compactToDer, derToCompact } from "../src/chain/signature";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { openDb } from "../src/db/client";
import { checkLedger } from "../src/ledger/invariants";
import { signInvoice } from "../src/lightning/bolt11";
import { runTick } from "../src/scheduled";
import { hub, newMerchant, random, tableCounts, testClock } from "./helpers";
import { openChannel, openOutsideChannel, outsidePayer, signedPayment } from "./payers";
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
  [
    "the payer's own signature of this very state but for another seq",
    async () => {
      const body = await valid();
      const c = await payer.wallet.channel(payer.channelId);
      const other = await payer.wallet.signState(payer.channelId, {
        seq: c.seq + 2,
        payerBalanceMsat: BigInt(body.payer_balance_msat),
      });
      return { ...body, signature: other.signature };
    },
    422,
    "invalid_signature",
  ],
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
  // 0x80000000 + seq must stay a replaceable nSequence (≤ 0xfffffffd).
  ["seq past 2^31 − 3", async () => ({ ...(await valid()), seq: 0x7ffffffe }), 400, "invalid_parameter"],
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

describe("a payer's signature stands for its own state only (issue #11 item 5: seq in the nSequence)", () => {
  const invoiceFor = async (amountMsat: number) => (await newInvoice(amountMsat)).bolt11 as string;
  const stateOf = async (id: string) =>
    env.DB.prepare("SELECT seq, payer_balance_msat, state_signature FROM channels WHERE id = ?")
      .bind(id)
      .first();

  it.each([
    // SINGLE|ACP commits to floor(balance / 1000) sat: 99,999,500 and 99,999,100 msat are both 99,999 sat.
    ["0x83", 100_000, 500, 400, 0x83],
    // NONE|ACP commits to no output at all: any two balances below 330 sat.
    ["0x82", 20_000, 19_800_000, 100_000, 0x82],
  ])(
    "%s: seq 1's signature sent again for seq 2 is refused (422), nothing changes; seq 2 signed for itself pays",
    async (_name, capacitySat, firstMsat, secondMsat, sighashType) => {
      const { payer: outside, channel } = await openOutsideChannel(h, capacitySat);
      const capacityMsat = BigInt(capacitySat) * 1000n;
      const first = outside.payment(
        channel,
        await invoiceFor(firstMsat),
        1,
        capacityMsat - BigInt(firstMsat),
      );
      expect(first.sighash_type).toBe(sighashType);
      expect((await h.call("POST", "/v1/payments", { body: first })).status).toBe(201);
      const balance2 = capacityMsat - BigInt(firstMsat + secondMsat);
      const second = outside.payment(channel, await invoiceFor(secondMsat), 2, balance2);
      expect(second.sighash_type).toBe(sighashType);
      const before = await tableCounts();
      const stateBefore = await stateOf(channel.id);
      const reused = await h.call("POST", "/v1/payments", {
        body: { ...second, signature: first.signature },
      });
      expect([reused.status, reused.body.error?.code]).toEqual([422, "invalid_signature"]);
      expect(await tableCounts()).toEqual(before);
      expect(await stateOf(channel.id)).toEqual(stateBefore);
      const paid = await h.call("POST", "/v1/payments", { body: second });
      expect(paid.status).toBe(201);
      expect(paid.body.channel).toEqual({ id: channel.id, seq: 2, payer_balance_msat: Number(balance2) });
    },
  );

  it("the SDK and the outside payer written from DESIGN.md §5 sign the very same bytes", async () => {
    const outside = outsidePayer(hexToBytes((await payer.storage.get("secret_key"))!));
    const view = await payer.client.channel(payer.channelId);
    for (const [seq, balance] of [
      [1, 99_000_000n],
      [9, 200_000n],
    ] as const) {
      const sdk = await payer.wallet.signState(payer.channelId, { seq, payerBalanceMsat: balance });
      const mine = outside.state(view, seq, balance);
      expect([mine.signature, mine.sighash_type]).toEqual([sdk.signature, sdk.sighashType]);
    }
  });

  it("leaves the ledger balanced", async () => {
    expect((await checkLedger(openDb(env.DB))).violations).toEqual([]);
  });
});
