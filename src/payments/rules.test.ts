import { expect } from "vitest";
import { SIGHASH_NONE_ACP, SIGHASH_SINGLE_ACP } from "../chain/channel";
import { nobleEcdsa } from "../chain/signature";
import type { Channel } from "../channels/channel";
import type { Invoice } from "../invoices/invoice";
import {
  CHANNEL_POLICY,
  counterRandom,
  HUB_SECRET,
  NODE_SECRET,
  NOW_MS,
  NOW_SECONDS,
  openChannel,
  openInvoice,
  PAYER_SECRET,
  signState,
  TIP_HEIGHT,
} from "../../test/deciders";
import { decisionTable } from "../../test/table";
import type { Payment, PaymentRequest } from "./payment";
import { decidePayment, type PaymentContext, type RefundPayout, refundProgress } from "./rules";

const FEES = { baseMsat: 1_000n, ppm: 2_500n };
const ctx = (over: Partial<PaymentContext> = {}): PaymentContext => ({
  channelPolicy: CHANNEL_POLICY,
  fees: FEES,
  tipHeight: TIP_HEIGHT + 10,
  nodeSecretKey: NODE_SECRET,
  nowMs: NOW_MS,
  random: counterRandom(),
  ecdsa: nobleEcdsa,
  ...over,
});

const channel = openChannel(100_000n); // 100,000,000 msat on the payer's side, seq 0
const invoice = openInvoice(150_000n);
const next = channel.payerBalanceMsat - invoice.amountMsat;

/** The payer's correctly signed next state paying `inv` from `ch`, with `over` applied. */
function request(
  over: Partial<PaymentRequest> = {},
  ch: Channel = channel,
  inv: Invoice = invoice,
): PaymentRequest {
  const balance = ch.payerBalanceMsat - inv.amountMsat;
  return {
    bolt11: inv.bolt11,
    channelId: ch.id,
    seq: ch.seq + 1,
    payerBalanceMsat: balance,
    ...signState(ch, balance),
    ...over,
  };
}

/** What the hub recorded when it accepted `request()` (the replay rows send it again). */
const accepted = (() => {
  const decided = decidePayment(request(), channel, invoice, null, ctx());
  if (!decided.ok) throw new Error(decided.error.code);
  return decided.value;
})();
if (accepted.kind !== "new") throw new Error("the first payment was not new");
const paidChannel = accepted.channel;
const paidInvoice = accepted.invoice;
const previous: Payment = accepted.payment;

type Input = {
  request: PaymentRequest;
  channel?: Channel;
  invoice?: Invoice;
  previous?: Payment | null;
  ctx?: Partial<PaymentContext>;
};
type Decision = ReturnType<typeof decidePayment>;

const lastPayableTip = channel.refundLocktime - CHANNEL_POLICY.closeMarginBlocks - 1;
const dustChannel = { ...channel, payerBalanceMsat: 300_000n + invoice.amountMsat }; // 300 sat left: dust
const paramOf = (param: string) => (r: Decision) => expect(r.ok ? null : r.error.param).toBe(param);

decisionTable("decidePayment", {
  outcomes: [
    "replay",
    "channel_closing",
    "channel_not_open",
    "seq_conflict",
    "invoice_paid",
    "invoice_expired",
    "invoice_canceled",
    "insufficient_balance",
    "state_mismatch",
    "invalid_sighash_type",
    "invalid_signature",
    "new",
  ],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "decidePayment" },
  run: (i: Input): Decision =>
    decidePayment(i.request, i.channel ?? channel, i.invoice ?? invoice, i.previous ?? null, ctx(i.ctx)),
  outcomeOf: (r) => (r.ok ? r.value.kind : r.error.code),
  rows: [
    {
      name: "the exact signed state already accepted replays that payment, never a second charge",
      input: { request: request(), channel: paidChannel, invoice: paidInvoice, previous },
      outcome: "replay",
      check: (r) => expect(r.ok && r.value.payment).toBe(previous),
    },
    {
      name: "a replay is recognised even once the channel is closing",
      input: {
        request: request(),
        channel: { ...paidChannel, status: "closing" },
        invoice: paidInvoice,
        previous,
      },
      outcome: "replay",
    },
    {
      name: "a closing channel takes no more payments",
      input: { request: request(), channel: { ...channel, status: "closing" } },
      outcome: "channel_closing",
    },
    {
      name: "an unfunded offer cannot pay",
      input: { request: request(), channel: { ...channel, status: "awaiting_funding" } },
      outcome: "channel_not_open",
    },
    {
      name: "a channel still waiting for confirmations cannot pay",
      input: { request: request(), channel: { ...channel, status: "opening" } },
      outcome: "channel_not_open",
    },
    {
      name: "a closed channel cannot pay",
      input: { request: request(), channel: { ...channel, status: "closed" } },
      outcome: "channel_not_open",
    },
    {
      name: "at the close margin before the refund locktime, payments stop",
      input: { request: request(), ctx: { tipHeight: lastPayableTip + 1 } },
      outcome: "channel_closing",
    },
    {
      name: "a different state at the seq already used is a conflict (the same seq signed twice)",
      input: {
        request: request({ seq: paidChannel.seq }, paidChannel, openInvoice(1_000n)),
        channel: paidChannel,
        invoice: openInvoice(1_000n),
        previous,
      },
      outcome: "seq_conflict",
      check: paramOf("seq"),
    },
    {
      name: "skipping a seq is a conflict",
      input: { request: request({ seq: channel.seq + 2 }) },
      outcome: "seq_conflict",
    },
    {
      name: "an invoice already paid (by another channel) is refused",
      input: { request: request(), invoice: { ...invoice, status: "paid" } },
      outcome: "invoice_paid",
    },
    {
      name: "an open invoice past its expiry is expired, stored as open or not",
      input: { request: request(), ctx: { nowMs: invoice.expiresAt * 1000 } },
      outcome: "invoice_expired",
    },
    {
      name: "a canceled invoice is refused",
      input: { request: request(), invoice: { ...invoice, status: "canceled" } },
      outcome: "invoice_canceled",
    },
    {
      name: "an invoice larger than the payer's balance is refused",
      input: {
        request: request({ payerBalanceMsat: 0n }),
        channel: { ...channel, payerBalanceMsat: invoice.amountMsat - 1n },
      },
      outcome: "insufficient_balance",
    },
    {
      name: "a new balance other than previous − invoice amount is refused (the payer tried to pay less)",
      input: { request: request({ payerBalanceMsat: next + 1n }) },
      outcome: "state_mismatch",
      check: paramOf("payer_balance_msat"),
    },
    {
      name: "SIGHASH_ALL where SINGLE|ANYONECANPAY is due is refused",
      input: { request: request({ sighashType: 0x01 }) },
      outcome: "invalid_sighash_type",
      check: paramOf("sighash_type"),
    },
    {
      name: "a dust payer output must be signed NONE|ANYONECANPAY, not SINGLE",
      input: {
        request: { ...request({}, dustChannel), sighashType: SIGHASH_SINGLE_ACP },
        channel: dustChannel,
      },
      outcome: "invalid_sighash_type",
    },
    {
      name: "a signature that is not hex is refused",
      input: { request: request({ signature: "zz" }) },
      outcome: "invalid_signature",
      check: paramOf("signature"),
    },
    {
      name: "a signature by another key (the hub's) is refused",
      input: { request: request({ signature: signState(channel, next, HUB_SECRET).signature }) },
      outcome: "invalid_signature",
    },
    {
      name: "the payer's signature of a different balance is refused",
      input: { request: request({ signature: signState(channel, next - 1n).signature }) },
      outcome: "invalid_signature",
    },
    {
      name: "the payer's signature of this very balance at another seq is refused (SINGLE|ACP: seq is in the nSequence)",
      input: {
        request: request({ signature: signState(channel, next, PAYER_SECRET, channel.seq + 2).signature }),
      },
      outcome: "invalid_signature",
    },
    {
      name: "a dust state's signature at another seq is refused (NONE|ACP commits to no output, but to its seq)",
      input: {
        request: request(
          { signature: signState(dustChannel, 300_000n, PAYER_SECRET, dustChannel.seq).signature },
          dustChannel,
        ),
        channel: dustChannel,
      },
      outcome: "invalid_signature",
    },
    {
      name: "the signed next state pays: fee charged, channel moved by exactly the amount, invoice paid",
      input: { request: request() },
      outcome: "new",
      check: (r) => {
        if (!r.ok || r.value.kind !== "new") throw new Error("not a new payment");
        const { payment, channel: moved, invoice: paid } = r.value;
        expect(payment).toMatchObject({
          invoiceId: invoice.id,
          channelId: channel.id,
          merchantId: invoice.merchantId,
          seq: 1,
          amountMsat: 150_000n,
          feeMsat: 1_375n, // 1,000 + 150,000 × 2,500 / 10⁶
          payerBalanceMsat: next,
          sighashType: SIGHASH_SINGLE_ACP,
          createdAt: NOW_SECONDS,
        });
        expect(moved).toMatchObject({ seq: 1, payerBalanceMsat: next, stateSignature: payment.signature });
        expect(paid).toMatchObject({ status: "paid", paidAt: NOW_SECONDS, paymentId: payment.id });
      },
    },
    {
      name: "one block before the close margin still pays",
      input: { request: request(), ctx: { tipHeight: lastPayableTip } },
      outcome: "new",
    },
    {
      name: "with the chain tip unknown, the locktime check waits for the settlement cron",
      input: { request: request(), ctx: { tipHeight: null } },
      outcome: "new",
    },
    {
      name: "a dust payer output signed NONE|ANYONECANPAY pays",
      input: { request: request({}, dustChannel), channel: dustChannel },
      outcome: "new",
      check: (r) =>
        expect(r.ok && r.value.kind === "new" && r.value.payment.sighashType).toBe(SIGHASH_NONE_ACP),
    },
    {
      name: "an invoice for the whole balance pays, leaving nothing",
      input: {
        request: request({}, { ...channel, payerBalanceMsat: invoice.amountMsat }),
        channel: { ...channel, payerBalanceMsat: invoice.amountMsat },
      },
      outcome: "new",
    },
  ],
});

const final = (debitMsat: bigint, txid: string): RefundPayout => ({ debitMsat, status: "confirmed", txid });
const inFlight = (debitMsat: bigint, txid: string | null): RefundPayout => ({
  debitMsat,
  status: txid === null ? "pending" : "broadcast",
  txid,
});
const failed = (debitMsat: bigint): RefundPayout => ({ debitMsat, status: "failed", txid: "ff" });
type ProgressInput = { beforeMsat: bigint; amountMsat: bigint; payouts: RefundPayout[] };
type Progress = ReturnType<typeof refundProgress>;

decisionTable<ProgressInput, Progress["kind"], Progress>("refundProgress", {
  outcomes: ["paid", "paying", "owed"],
  run: ({ payouts, ...refund }) => refundProgress(refund, payouts),
  outcomeOf: (r) => r.kind,
  source: { file: new URL("./rules.ts", import.meta.url), fn: "refundProgress" },
  rows: [
    {
      name: "a final payout covering the whole refund: paid, by that payout",
      input: { beforeMsat: 0n, amountMsat: 5_000_000n, payouts: [final(5_000_000n, "aa")] },
      outcome: "paid",
      check: (r) => expect(r).toEqual({ kind: "paid", txid: "aa" }),
    },
    {
      name: "less than a sat of it left (the chain pays whole sats): paid",
      input: { beforeMsat: 0n, amountMsat: 5_000_999n, payouts: [final(5_000_000n, "aa")] },
      outcome: "paid",
    },
    {
      name: "earlier refunds are paid first: the payout that reaches past them pays this one",
      input: {
        beforeMsat: 3_000_000n,
        amountMsat: 2_000_000n,
        payouts: [final(3_000_000n, "aa"), final(2_000_000n, "bb")],
      },
      outcome: "paid",
      check: (r) => expect(r).toEqual({ kind: "paid", txid: "bb" }),
    },
    {
      name: "a failed payout gave its amount back and counts for nothing: the next one pays",
      input: {
        beforeMsat: 0n,
        amountMsat: 5_000_000n,
        payouts: [failed(5_000_000n), final(5_000_000n, "bb")],
      },
      outcome: "paid",
      check: (r) => expect(r).toEqual({ kind: "paid", txid: "bb" }),
    },
    {
      name: "in a settlement transaction on chain but not final: paying, with its txid",
      input: { beforeMsat: 0n, amountMsat: 5_000_000n, payouts: [inFlight(5_000_000n, "cc")] },
      outcome: "paying",
      check: (r) => expect(r).toEqual({ kind: "paying", txid: "cc" }),
    },
    {
      name: "in a settlement planned and not yet broadcast: paying, no txid yet",
      input: { beforeMsat: 0n, amountMsat: 5_000_000n, payouts: [inFlight(5_000_000n, null)] },
      outcome: "paying",
      check: (r) => expect(r).toEqual({ kind: "paying", txid: null }),
    },
    {
      name: "part paid for good, the rest in flight: paying",
      input: {
        beforeMsat: 0n,
        amountMsat: 5_000_000n,
        payouts: [final(3_000_000n, "aa"), inFlight(2_000_000n, "cc")],
      },
      outcome: "paying",
      check: (r) => expect(r).toEqual({ kind: "paying", txid: "cc" }),
    },
    {
      name: "no payout yet: owed",
      input: { beforeMsat: 0n, amountMsat: 5_000_000n, payouts: [] },
      outcome: "owed",
    },
    {
      name: "payouts that paid only earlier refunds: owed",
      input: { beforeMsat: 5_000_000n, amountMsat: 1_000_000n, payouts: [final(5_000_000n, "aa")] },
      outcome: "owed",
    },
    {
      name: "part of it paid, a sat or more still owed: owed",
      input: { beforeMsat: 0n, amountMsat: 5_000_000n, payouts: [final(4_999_000n, "aa")] },
      outcome: "owed",
    },
    {
      name: "a refund under a sat after paid ones: owed (no output can carry it alone)",
      input: { beforeMsat: 5_000_000n, amountMsat: 500n, payouts: [final(5_000_000n, "aa")] },
      outcome: "owed",
    },
    {
      name: "only failed payouts: owed",
      input: { beforeMsat: 0n, amountMsat: 5_000_000n, payouts: [failed(5_000_000n)] },
      outcome: "owed",
    },
  ],
});
