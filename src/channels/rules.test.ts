import { expect } from "vitest";
import { p2wpkh } from "../chain/script";
import { bytesToHex, hexToBytes } from "../crypto";
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
import {
  acceptFunding,
  checkRegistration,
  confirm,
  type Outpoint,
  offerChannel,
  recheckFunding,
  requestClose,
  verifyFunding,
} from "./rules";

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
      hubKeyFor: () => HUB_PUBKEY,
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
          hubPubkey: bytesToHex(HUB_PUBKEY),
          fundingVerifiedAt: null,
          fundingError: null,
          refundLocktime: TIP_HEIGHT + CHANNEL_POLICY.lifetimeBlocks,
          payerBalanceMsat: 100_000_000n,
          seq: 0,
          offerExpiresAt: NOW_SECONDS + CHANNEL_POLICY.offerTtlSeconds,
        });
        expect(hexToBytes(r.value.refundScriptPubkey)).toEqual(p2wpkh(PAYER_PUBKEY));
      },
    },
    {
      name: "the hub key is the one derived for this very channel id (DESIGN.md §5: one per offer)",
      input: offerInput(),
      outcome: "awaiting_funding",
      check: () => {
        const asked: string[] = [];
        const made = offerChannel(offerInput(), {
          policy: CHANNEL_POLICY,
          hubKeyFor: (id) => {
            asked.push(id);
            return HUB_PUBKEY;
          },
          tipHeight: TIP_HEIGHT,
          nowMs: NOW_MS,
          random: counterRandom(),
        });
        expect(made.ok && [made.value.id]).toEqual(asked);
      },
    },
    {
      name: "the capacity bounds themselves are accepted",
      input: offerInput({ capacitySat: CHANNEL_POLICY.minCapacitySat }),
      outcome: "awaiting_funding",
    },
  ],
});

const offer = offeredChannel();
const opened = openChannel();
const outpoint = { txid: FUNDING_TXID, vout: 0 };
const other = { txid: "cd".repeat(32), vout: 0 };
const fundingScript = hexToBytes(offer.fundingScriptPubkey);
const unseen = { tx: null, unspent: false, tipHeight: TIP_HEIGHT + 1 };
/** The node shows FUNDING_TXID with one output of `valueSat` to `script`, confirmed once. */
const paying = (valueSat: bigint, script: Uint8Array = fundingScript) => ({
  tx: { confirmations: 1, outputs: [{ valueSat, script }] },
});
/** Registered at FUNDING_TXID:0 before the node showed it. */
const awaitingNode: Channel = {
  ...offer,
  status: "opening",
  fundingTxid: FUNDING_TXID,
  fundingVout: 0,
  fundingVerifiedAt: null,
};
const fundingCtx = (nowSeconds = NOW_SECONDS, minConfirmations = 1) => ({
  minConfirmations,
  policy: CHANNEL_POLICY,
  nowSeconds,
});

type RegistrationInput = {
  channel?: Channel;
  outpoint?: Outpoint;
  signatureValid?: boolean;
  nowSeconds?: number;
};

decisionTable("checkRegistration", {
  outcomes: ["invalid_signature", "repeat", "channel_offer_expired", "new", "channel_not_awaiting_funding"],
  source: { file: rulesFile, fn: "checkRegistration" },
  run: (i: RegistrationInput) =>
    checkRegistration(
      i.channel ?? offer,
      i.outpoint ?? outpoint,
      i.signatureValid ?? true,
      i.nowSeconds ?? NOW_SECONDS,
    ),
  outcomeOf: (r) => (r.ok ? r.value : r.error.code),
  rows: [
    {
      name: "a registration the payer did not sign is refused, whatever the channel (front-running)",
      input: { channel: opened, signatureValid: false },
      outcome: "invalid_signature",
    },
    {
      name: "the outpoint the channel already has is a harmless repeat",
      input: { channel: opened },
      outcome: "repeat",
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
      name: "an unverified registration past the TTL cannot be replaced",
      input: { channel: awaitingNode, outpoint: other, nowSeconds: offer.offerExpiresAt },
      outcome: "channel_offer_expired",
    },
    { name: "an offer awaiting funding takes an outpoint", input: {}, outcome: "new" },
    {
      name: "an outpoint the node has not shown may be replaced by the payer (a mistyped txid)",
      input: { channel: awaitingNode, outpoint: other },
      outcome: "new",
    },
    {
      name: "a channel funded by a verified output refuses another one",
      input: { channel: opened, outpoint: other },
      outcome: "channel_not_awaiting_funding",
    },
  ],
});

type VerifyInput = { outpoint?: Outpoint; seen?: Partial<FundingObservation> };

decisionTable("verifyFunding", {
  outcomes: [
    "funding_not_found",
    "funding_output_not_found",
    "funding_script_mismatch",
    "funding_value_mismatch",
    "funding_spent",
    "channel_expiring",
    "verified",
  ],
  source: { file: rulesFile, fn: "verifyFunding" },
  run: (i: VerifyInput) =>
    verifyFunding(offer, i.outpoint ?? outpoint, { ...fundingSeen(offer, 0), ...i.seen }, CHANNEL_POLICY),
  outcomeOf: (r) => (r.ok ? "verified" : r.error.code),
  rows: [
    {
      name: "a transaction the node does not know is not verified",
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
        seen: paying(offer.capacitySat, p2wpkh(PAYER_PUBKEY)),
      },
      outcome: "funding_script_mismatch",
    },
    {
      name: "an output paying one sat less than the capacity is refused",
      input: {
        seen: paying(offer.capacitySat - 1n),
      },
      outcome: "funding_value_mismatch",
    },
    {
      name: "an output paying more than the capacity is refused too (exactly, not at least)",
      input: {
        seen: paying(offer.capacitySat + 1n),
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
      name: "exactly the script and value, unspent, with lifetime left: verified, with its confirmations",
      input: { seen: fundingSeen(offer, 2) },
      outcome: "verified",
      check: (r) => expect(r.ok && r.value).toBe(2),
    },
  ],
});

type FundingInput = {
  channel?: Channel;
  outpoint?: Outpoint;
  seen?: Partial<FundingObservation>;
  minConfirmations?: number;
};

/** A Result's outcome; an unverified opening channel is "awaiting_node". */
const fundingOutcome = ({ before, result }: { before: Channel; result: ReturnType<typeof acceptFunding> }) =>
  result.ok &&
  result.value !== before &&
  result.value.status === "opening" &&
  result.value.fundingVerifiedAt === null
    ? "awaiting_node"
    : transition({ before, result });

decisionTable("acceptFunding", {
  outcomes: ["unchanged", "awaiting_node", "funding_value_mismatch", "opening", "open"],
  source: { file: rulesFile, fn: "acceptFunding" },
  run: (i: FundingInput) => {
    const before = i.channel ?? offer;
    const seen = { ...fundingSeen(before, 0), ...i.seen };
    return {
      before,
      result: acceptFunding(
        before,
        i.outpoint ?? outpoint,
        seen,
        fundingCtx(NOW_SECONDS, i.minConfirmations),
      ),
    };
  },
  outcomeOf: fundingOutcome,
  rows: [
    {
      name: "the same unseen outpoint again changes nothing",
      input: { channel: awaitingNode, seen: unseen },
      outcome: "unchanged",
    },
    {
      name: "a transaction the node has not seen is recorded, unverified: opening (relay takes time)",
      input: { seen: unseen },
      outcome: "awaiting_node",
      check: ({ result }) =>
        expect(result.ok && result.value).toMatchObject({
          fundingTxid: FUNDING_TXID,
          fundingVout: 0,
          fundingVerifiedAt: null,
          fundingConfirmations: 0,
        }),
    },
    {
      name: "a seen output that does not match is the request's error (verifyFunding decides which)",
      input: { seen: paying(1n) },
      outcome: "funding_value_mismatch",
    },
    {
      name: "a matching unconfirmed output makes the channel opening, verified now",
      input: {},
      outcome: "opening",
      check: ({ result }) =>
        expect(result.ok && result.value).toMatchObject({
          fundingTxid: FUNDING_TXID,
          fundingVout: 0,
          fundingConfirmations: 0,
          fundingVerifiedAt: NOW_SECONDS,
        }),
    },
    {
      name: "confirmed, but fewer times than required, it stays opening",
      input: { seen: fundingSeen(offer, 2), minConfirmations: 3 },
      outcome: "opening",
    },
    {
      name: "a replacement for an unseen outpoint is verified like any other",
      input: { channel: awaitingNode, outpoint: other, seen: fundingSeen(offer, 0) },
      outcome: "opening",
      check: ({ result }) => expect(result.ok && result.value.fundingTxid).toBe(other.txid),
    },
    {
      name: "confirmed enough times, it is open at once",
      input: { seen: fundingSeen(offer, 3), minConfirmations: 3 },
      outcome: "open",
      check: ({ result }) => expect(result.ok && result.value.openedAt).toBe(NOW_SECONDS),
    },
  ],
});

type RecheckInput = { channel?: Channel; seen?: Partial<FundingObservation>; nowSeconds?: number };

decisionTable("recheckFunding", {
  outcomes: ["unchanged", "funding_not_found", "funding_value_mismatch", "opening", "open"],
  source: { file: rulesFile, fn: "recheckFunding" },
  run: (i: RecheckInput) => {
    const before = i.channel ?? awaitingNode;
    const after = recheckFunding(
      before,
      { ...fundingSeen(offer, 0), ...i.seen },
      fundingCtx(i.nowSeconds, 3),
    );
    return { before, after };
  },
  outcomeOf: ({ before, after }) =>
    after === before ? "unchanged" : (after.fundingError?.code ?? after.status),
  rows: [
    { name: "a verified channel is left as it is", input: { channel: opened }, outcome: "unchanged" },
    { name: "an offer with no outpoint is left as it is", input: { channel: offer }, outcome: "unchanged" },
    {
      name: "still not shown, before the offer expires: it keeps waiting",
      input: { seen: unseen, nowSeconds: offer.offerExpiresAt - 1 },
      outcome: "unchanged",
    },
    {
      name: "never shown by the time the offer expires: expired, outpoint let go, saying so",
      input: { seen: unseen, nowSeconds: offer.offerExpiresAt },
      outcome: "funding_not_found",
      check: ({ after }) =>
        expect(after).toMatchObject({ status: "expired", fundingTxid: null, fundingVout: null }),
    },
    {
      name: "shown but not matching: back to awaiting_funding, outpoint let go, the reason kept",
      input: { seen: paying(1n) },
      outcome: "funding_value_mismatch",
      check: ({ after }) => {
        expect(after).toMatchObject({
          status: "awaiting_funding",
          fundingTxid: null,
          fundingConfirmations: 0,
        });
        expect(after.fundingError?.message).toMatch(new RegExp(`^${FUNDING_TXID}:0: that output pays 1 sat`));
      },
    },
    {
      name: "shown but not matching after the offer expired: expired, with the reason",
      input: {
        seen: paying(1n),
        nowSeconds: offer.offerExpiresAt,
      },
      outcome: "funding_value_mismatch",
      check: ({ after }) => expect(after.status).toBe("expired"),
    },
    {
      name: "shown and matching: verified, counting confirmations",
      input: { seen: fundingSeen(offer, 1) },
      outcome: "opening",
      check: ({ after }) =>
        expect(after).toMatchObject({ fundingVerifiedAt: NOW_SECONDS, fundingConfirmations: 1 }),
    },
    {
      name: "shown just after the offer expired, and matching: still verified (the payer registered in time)",
      input: { seen: fundingSeen(offer, 1), nowSeconds: offer.offerExpiresAt + 60 },
      outcome: "opening",
    },
    {
      name: "shown, matching and confirmed enough: open",
      input: { seen: fundingSeen(offer, 3) },
      outcome: "open",
    },
  ],
});

const opening: Channel = {
  ...offer,
  status: "opening",
  fundingTxid: FUNDING_TXID,
  fundingVout: 0,
  fundingVerifiedAt: NOW_SECONDS,
};

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
      name: "an opening channel whose outpoint was never verified is left as it is, however confirmed",
      input: { channel: awaitingNode, confirmations: 10 },
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
