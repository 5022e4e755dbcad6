/**
 * Fixtures for the pure decider tables (src/**\/rules.test.ts): fixed keys, a deterministic
 * random source, and channels and invoices built by the deciders themselves (offerChannel,
 * acceptFunding, createInvoice), so a fixture is always a state the hub could really hold.
 */
import { getPublicKey } from "@noble/secp256k1";
import { fundingScriptOf, signClosingState } from "../src/chain/channel";
import type { Channel } from "../src/channels/channel";
import { acceptFunding, offerChannel } from "../src/channels/rules";
import type { ChannelPolicy } from "../src/config";
import type { RandomBytes } from "../src/core/ids";
import { bytesToHex, hexToBytes } from "../src/crypto";
import type { Invoice } from "../src/invoices/invoice";
import { createInvoice } from "../src/invoices/rules";

export const PAYER_SECRET = new Uint8Array(32).fill(0x11);
export const HUB_SECRET = new Uint8Array(32).fill(0x22);
export const NODE_SECRET = new Uint8Array(32).fill(0x33);
export const PAYER_PUBKEY = getPublicKey(PAYER_SECRET, true);
export const HUB_PUBKEY = getPublicKey(HUB_SECRET, true);

/** 2026-12-02T00:00:00Z. */
export const NOW_MS = 1_796_169_600_000;
export const NOW_SECONDS = NOW_MS / 1000;
export const TIP_HEIGHT = 1_000;
export const FUNDING_TXID = "ab".repeat(32);

export const CHANNEL_POLICY: ChannelPolicy = {
  minCapacitySat: 10_000n,
  maxCapacitySat: 10_000_000n,
  lifetimeBlocks: 4_032,
  closeMarginBlocks: 144,
  offerTtlSeconds: 3_600,
};

/** Deterministic bytes (a counter), so ids and secrets repeat from run to run. */
export function counterRandom(): RandomBytes {
  let next = 0;
  return (length) => Uint8Array.from({ length }, () => next++ & 0xff);
}

/** A channel offer of `capacitySat` from the fixed payer key, as offerChannel makes it. */
export function offeredChannel(capacitySat = 100_000n): Channel {
  const offer = offerChannel(
    { payerPubkey: PAYER_PUBKEY, capacitySat, refundScript: null },
    {
      policy: CHANNEL_POLICY,
      hubKeyFor: () => HUB_PUBKEY,
      tipHeight: TIP_HEIGHT,
      nowMs: NOW_MS,
      random: counterRandom(),
    },
  );
  if (!offer.ok) throw new Error(offer.error.message);
  return offer.value;
}

/** The chain's view of a transaction paying `channel`'s funding script exactly, confirmed `confirmations` times. */
export const fundingSeen = (channel: Channel, confirmations: number) => ({
  tx: {
    confirmations,
    outputs: [{ valueSat: channel.capacitySat, script: hexToBytes(channel.fundingScriptPubkey) }],
  },
  unspent: true,
  tipHeight: TIP_HEIGHT + 1,
});

/** An open channel (offered, funded at FUNDING_TXID:0, confirmed) with its full capacity on the payer's side. */
export function openChannel(capacitySat = 100_000n): Channel {
  const offer = offeredChannel(capacitySat);
  const opened = acceptFunding(offer, { txid: FUNDING_TXID, vout: 0 }, fundingSeen(offer, 1), {
    minConfirmations: 1,
    policy: CHANNEL_POLICY,
    nowSeconds: NOW_SECONDS,
  });
  if (!opened.ok || opened.value.status !== "open") throw new Error("the fixture channel did not open");
  return opened.value;
}

/** The payer's signature of `channel`'s closing state (seq, default the next, `payerBalanceMsat`). */
export function signState(
  channel: Channel,
  payerBalanceMsat: bigint,
  secretKey = PAYER_SECRET,
  seq = channel.seq + 1,
) {
  const funded = {
    payerPubkey: hexToBytes(channel.payerPubkey),
    hubPubkey: hexToBytes(channel.hubPubkey),
    refundLocktime: channel.refundLocktime,
    capacitySat: channel.capacitySat,
    refundScript: hexToBytes(channel.refundScriptPubkey),
    fundingTxid: channel.fundingTxid!,
    fundingVout: channel.fundingVout!,
  };
  if (bytesToHex(fundingScriptOf(funded)) !== channel.fundingScriptPubkey) throw new Error("terms mismatch");
  const { signature, sighashType } = signClosingState(funded, { seq, payerBalanceMsat }, secretKey);
  return { signature: bytesToHex(signature), sighashType };
}

/** An open invoice for `amountMsat`, created now, as createInvoice makes it. */
export function openInvoice(amountMsat: bigint, expirySeconds = 3_600): Invoice {
  return createInvoice(
    {
      amountMsat,
      description: "1 cup coffee",
      descriptionHash: null,
      expirySeconds,
      metadata: {},
      orderId: null,
      successUrl: null,
      publicMetadataKeys: [],
    },
    {
      merchantId: "mer_fixture",
      network: "regtest",
      nodeSecretKey: NODE_SECRET,
      nowMs: NOW_MS,
      random: counterRandom(),
      publicUrl: "http://hub.test",
    },
  );
}
