import { expect } from "vitest";
import { p2wpkh } from "../chain/script";
import { hexToBytes } from "../crypto";
import {
  CHANNEL_POLICY,
  counterRandom,
  FUNDING_TXID,
  fundingSeen,
  HUB_PUBKEY,
  NOW_MS,
  NOW_SECONDS,
  offeredChannel,
  openChannel,
  PAYER_PUBKEY,
  TIP_HEIGHT,
} from "../../test/deciders";
import { decisionTable } from "../../test/table";
import type { Channel, ChannelRequest, FundingObservation } from "./channel";
import { acceptFunding, confirm, offerChannel, requestClose } from "./rules";

const rulesFile = new URL("./rules.ts", import.meta.url);

/** A Result's outcome: its error code, "unchanged" when it hands back the very channel it got, else the new status. */
const transition = ({ before, result }: { before: Channel; result: ReturnType<typeof acceptFunding> }) =>
  !result.ok ? result.error.code : result.value === before ? "unchanged" : result.value.status;

const offerInput = (over: Partial<ChannelRequest> = {}): ChannelRequest => ({
  payerPubkey: PAYER_PUBKEY,
  capacitySat: 100_000n,
  refundScript: null,
  ...over,
});

decisionTable("offerChannel", {
  outcomes: ["invalid_pubkey", "capacity_out_of_range", "invalid_refund_script", "awaiting_funding"],
  source: { file: rulesFile, fn: "offerChannel" },
  run: (request: ChannelRequest) =>
    offerChannel(request, {
      policy: CHANNEL_POLICY,
      hubPubkey: HUB_PUBKEY,
      tipHeight: TIP_HEIGHT,
      nowMs: NOW_MS,
      random: counterRandom(),
    }),
  outcomeOf: (r) => (r.ok ? r.value.status : r.error.code),
  rows: [
    {
      name: "an uncompressed payer key is refused",
      input: offerInput({ payerPubkey: new Uint8Array(65).fill(4) }),
      outcome: "invalid_pubkey",
    },
    {
      name: "a compressed-looking key off the curve is refused",
      input: offerInput({ payerPubkey: Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)) }),
      outcome: "invalid_pubkey",
    },
    {
      name: "a capacity below the minimum is refused",
      input: offerInput({ capacitySat: CHANNEL_POLICY.minCapacitySat - 1n }),
      outcome: "capacity_out_of_range",
    },
    {
      name: "a capacity above the maximum is refused",
      input: offerInput({ capacitySat: CHANNEL_POLICY.maxCapacitySat + 1n }),
      outcome: "capacity_out_of_range",
    },
    {
      name: "a refund script that is not P2WPKH, P2WSH or P2TR is refused",
      input: offerInput({ refundScript: hexToBytes(`76a914${"00".repeat(20)}88ac`) }),
      outcome: "invalid_refund_script",
    },
    {
      name: "a valid request is offered: locktime tip + lifetime, refund to P2WPKH of the payer by default",
      input: offerInput(),
      outcome: "awaiting_funding",
      check: (r) => {
        if (!r.ok) throw new Error(r.error.code);
        expect(r.value).toMatchObject({
          refundLocktime: TIP_HEIGHT + CHANNEL_POLICY.lifetimeBlocks,
          payerBalanceMsat: 100_000_000n,
          seq: 0,
          offerExpiresAt: NOW_SECONDS + CHANNEL_POLICY.offerTtlSeconds,
        });
        expect(hexToBytes(r.value.refundScriptPubkey)).toEqual(p2wpkh(PAYER_PUBKEY));
      },
    },
    {
      name: "the capacity bounds themselves are accepted",
      input: offerInput({ capacitySat: CHANNEL_POLICY.minCapacitySat }),
      outcome: "awaiting_funding",
    },
  ],
});

type FundingInput = {
  channel?: Channel;
  outpoint?: { txid: string; vout: number };
  seen?: Partial<FundingObservation>;
  nowSeconds?: number;
  minConfirmations?: number;
};
const offer = offeredChannel();
const opened = openChannel();
const outpoint = { txid: FUNDING_TXID, vout: 0 };
const fundingScript = hexToBytes(offer.fundingScriptPubkey);

decisionTable("acceptFunding", {
  outcomes: [
    "unchanged",
    "channel_offer_expired",
    "channel_not_awaiting_funding",
    "funding_not_found",
    "funding_output_not_found",
    "funding_script_mismatch",
    "funding_value_mismatch",
    "funding_spent",
    "channel_expiring",
    "opening",
    "open",
  ],
  source: { file: rulesFile, fn: "acceptFunding" },
  run: (i: FundingInput) => {
    const before = i.channel ?? offer;
    const seen = { ...fundingSeen(before, 0), ...i.seen };
    const result = acceptFunding(before, i.outpoint ?? outpoint, seen, {
      minConfirmations: i.minConfirmations ?? 1,
      policy: CHANNEL_POLICY,
      nowSeconds: i.nowSeconds ?? NOW_SECONDS,
    });
    return { before, result };
  },
  outcomeOf: transition,
  rows: [
    {
      name: "registering the outpoint a channel already has changes nothing (a retried registration)",
      input: { channel: opened },
      outcome: "unchanged",
    },
    {
      name: "an offer past its TTL cannot be funded",
      input: { nowSeconds: offer.offerExpiresAt },
      outcome: "channel_offer_expired",
    },
    {
      name: "an offer marked expired cannot be funded",
      input: { channel: { ...offer, status: "expired" } },
      outcome: "channel_offer_expired",
    },
    {
      name: "a channel funded by another output refuses a second one",
      input: { channel: opened, outpoint: { txid: "cd".repeat(32), vout: 0 } },
      outcome: "channel_not_awaiting_funding",
    },
    {
      name: "a transaction the node does not know is refused",
      input: { seen: { tx: null } },
      outcome: "funding_not_found",
    },
    {
      name: "an output index past the transaction's outputs is refused",
      input: { outpoint: { txid: FUNDING_TXID, vout: 1 } },
      outcome: "funding_output_not_found",
    },
    {
      name: "an output paying another script is refused",
      input: {
        seen: {
          tx: { confirmations: 1, outputs: [{ valueSat: offer.capacitySat, script: p2wpkh(PAYER_PUBKEY) }] },
        },
      },
      outcome: "funding_script_mismatch",
    },
    {
      name: "an output paying one sat less than the capacity is refused",
      input: {
        seen: {
          tx: { confirmations: 1, outputs: [{ valueSat: offer.capacitySat - 1n, script: fundingScript }] },
        },
      },
      outcome: "funding_value_mismatch",
    },
    {
      name: "an output paying more than the capacity is refused too (exactly, not at least)",
      input: {
        seen: {
          tx: { confirmations: 1, outputs: [{ valueSat: offer.capacitySat + 1n, script: fundingScript }] },
        },
      },
      outcome: "funding_value_mismatch",
    },
    {
      name: "an output already spent is refused",
      input: { seen: { unspent: false } },
      outcome: "funding_spent",
    },
    {
      name: "funding seen when the refund locktime is within the close margin is refused",
      input: { seen: { tipHeight: offer.refundLocktime - CHANNEL_POLICY.closeMarginBlocks } },
      outcome: "channel_expiring",
    },
    {
      name: "a matching unconfirmed output makes the channel opening",
      input: {},
      outcome: "opening",
      check: ({ result }) =>
        expect(result.ok && result.value).toMatchObject({
          fundingTxid: FUNDING_TXID,
          fundingVout: 0,
          fundingConfirmations: 0,
        }),
    },
    {
      name: "confirmed, but fewer times than required, it stays opening",
      input: { seen: fundingSeen(offer, 2), minConfirmations: 3 },
      outcome: "opening",
    },
    {
      name: "confirmed enough times, it is open at once",
      input: { seen: fundingSeen(offer, 3), minConfirmations: 3 },
      outcome: "open",
      check: ({ result }) => expect(result.ok && result.value.openedAt).toBe(NOW_SECONDS),
    },
  ],
});

const opening = { ...offer, status: "opening" as const, fundingTxid: FUNDING_TXID, fundingVout: 0 };

decisionTable("confirm", {
  outcomes: ["unchanged", "counted", "open"],
  run: ({ channel, confirmations }: { channel: Channel; confirmations: number }) => ({
    before: channel,
    after: confirm(channel, confirmations, 3, NOW_SECONDS),
  }),
  outcomeOf: ({ before, after }) =>
    after === before ? "unchanged" : after.status === "open" ? "open" : "counted",
  rows: [
    {
      name: "a channel that is not opening is left as it is",
      input: { channel: opened, confirmations: 10 },
      outcome: "unchanged",
    },
    {
      name: "an offer is left as it is, whatever the chain says",
      input: { channel: offer, confirmations: 10 },
      outcome: "unchanged",
    },
    {
      name: "an opening channel below the required confirmations records the count",
      input: { channel: opening, confirmations: 2 },
      outcome: "counted",
      check: ({ after }) => expect(after).toMatchObject({ status: "opening", fundingConfirmations: 2 }),
    },
    {
      name: "at the required confirmations it opens",
      input: { channel: opening, confirmations: 3 },
      outcome: "open",
      check: ({ after }) => expect(after).toMatchObject({ fundingConfirmations: 3, openedAt: NOW_SECONDS }),
    },
  ],
});

decisionTable("requestClose", {
  outcomes: ["invalid_signature", "unchanged", "channel_not_open", "closing"],
  source: { file: rulesFile, fn: "requestClose" },
  run: ({ channel, signatureValid }: { channel: Channel; signatureValid: boolean }) => ({
    before: channel,
    result: requestClose(channel, signatureValid, NOW_SECONDS),
  }),
  outcomeOf: transition,
  rows: [
    {
      name: "a close request not signed by the payer is refused",
      input: { channel: opened, signatureValid: false },
      outcome: "invalid_signature",
    },
    {
      name: "asking again while closing changes nothing",
      input: { channel: { ...opened, status: "closing" }, signatureValid: true },
      outcome: "unchanged",
    },
    {
      name: "an opening channel cannot be asked to close",
      input: { channel: opening, signatureValid: true },
      outcome: "channel_not_open",
    },
    {
      name: "a closed channel cannot be asked to close",
      input: { channel: { ...opened, status: "closed" }, signatureValid: true },
      outcome: "channel_not_open",
    },
    {
      name: "an open channel goes to closing, stamped with the time",
      input: { channel: opened, signatureValid: true },
      outcome: "closing",
      check: ({ result }) => expect(result.ok && result.value.closeRequestedAt).toBe(NOW_SECONDS),
    },
  ],
});
