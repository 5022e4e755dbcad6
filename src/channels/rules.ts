/** Pure channel decisions: offer, funding verification, confirmation, close request, expiry. */
import { fundingScriptOf, witnessScriptOf } from "../chain/channel";
import { isCompressedPubkey, p2wpkh, segwitAddress, standardKind } from "../chain/script";
import type { ChannelPolicy } from "../config";
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { satToMsat } from "../core/money";
import type { Network } from "../core/network";
import { err, ok, type Result } from "../core/result";
import { bytesToHex, hexToBytes } from "../crypto";
import type { Channel, ChannelRequest, FundingObservation } from "./channel";

export interface OfferContext {
  readonly policy: ChannelPolicy;
  readonly hubPubkey: Uint8Array;
  readonly tipHeight: number;
  readonly nowMs: number;
  readonly random: RandomBytes;
}

/** Validates a request and makes the channel offer: script, locktime, funding output. */
export function offerChannel(request: ChannelRequest, ctx: OfferContext): Result<Channel, DomainError> {
  if (!isCompressedPubkey(request.payerPubkey)) {
    return err(
      domainError(
        "invalid_pubkey",
        "payer_pubkey must be a 33-byte compressed point on secp256k1",
        "payer_pubkey",
      ),
    );
  }
  const { minCapacitySat, maxCapacitySat, lifetimeBlocks, offerTtlSeconds } = ctx.policy;
  if (request.capacitySat < minCapacitySat || request.capacitySat > maxCapacitySat) {
    return err(
      domainError(
        "capacity_out_of_range",
        `capacity_sat must be ${minCapacitySat}–${maxCapacitySat}`,
        "capacity_sat",
      ),
    );
  }
  const refundScript = request.refundScript ?? p2wpkh(request.payerPubkey);
  if (standardKind(refundScript) === null) {
    return err(
      domainError(
        "invalid_refund_script",
        "refund_script_pubkey must be P2WPKH, P2WSH or P2TR",
        "refund_script_pubkey",
      ),
    );
  }
  const terms = {
    payerPubkey: request.payerPubkey,
    hubPubkey: ctx.hubPubkey,
    refundLocktime: ctx.tipHeight + lifetimeBlocks,
    capacitySat: request.capacitySat,
    refundScript,
  };
  const createdAt = Math.floor(ctx.nowMs / 1000);
  return ok({
    id: newId("channel", ctx.nowMs, ctx.random),
    status: "awaiting_funding",
    payerPubkey: bytesToHex(request.payerPubkey),
    hubPubkey: bytesToHex(ctx.hubPubkey),
    refundLocktime: terms.refundLocktime,
    witnessScript: bytesToHex(witnessScriptOf(terms)),
    fundingScriptPubkey: bytesToHex(fundingScriptOf(terms)),
    capacitySat: request.capacitySat,
    refundScriptPubkey: bytesToHex(refundScript),
    seq: 0,
    payerBalanceMsat: satToMsat(request.capacitySat),
    stateSighashType: null,
    stateSignature: null,
    fundingTxid: null,
    fundingVout: null,
    fundingConfirmations: 0,
    createdAt,
    offerExpiresAt: createdAt + offerTtlSeconds,
    openedAt: null,
    closeRequestedAt: null,
    closedAt: null,
    settlementId: null,
    closeReason: null,
  });
}

/** The funding address of a channel on a network. */
export const fundingAddress = (channel: Channel, network: Network): string =>
  segwitAddress(hexToBytes(channel.fundingScriptPubkey), network);

/** True when an unfunded offer has outlived its TTL. */
export const offerExpired = (channel: Channel, nowSeconds: number): boolean =>
  channel.status === "awaiting_funding" && nowSeconds >= channel.offerExpiresAt;

/**
 * Accepts a funding outpoint only if the chain shows exactly the channel's script and value,
 * unspent, with enough lifetime left. Unconfirmed → opening; confirmed enough → open.
 */
export function acceptFunding(
  channel: Channel,
  outpoint: { txid: string; vout: number },
  seen: FundingObservation,
  ctx: { minConfirmations: number; policy: ChannelPolicy; nowSeconds: number },
): Result<Channel, DomainError> {
  if (channel.fundingTxid === outpoint.txid && channel.fundingVout === outpoint.vout) return ok(channel);
  if (offerExpired(channel, ctx.nowSeconds) || channel.status === "expired") {
    return err(
      domainError("channel_offer_expired", "this channel offer expired before it was funded; open a new one"),
    );
  }
  if (channel.status !== "awaiting_funding") {
    return err(
      domainError(
        "channel_not_awaiting_funding",
        `channel is ${channel.status}, already funded by another output`,
      ),
    );
  }
  if (seen.tx === null) {
    return err(domainError("funding_not_found", "the bitcoin node does not know this transaction", "txid"));
  }
  const output = seen.tx.outputs[outpoint.vout];
  if (!output) {
    return err(domainError("funding_output_not_found", `transaction has no output ${outpoint.vout}`, "vout"));
  }
  if (bytesToHex(output.script) !== channel.fundingScriptPubkey) {
    return err(
      domainError("funding_script_mismatch", "that output does not pay the channel's funding script", "vout"),
    );
  }
  if (output.valueSat !== channel.capacitySat) {
    return err(
      domainError(
        "funding_value_mismatch",
        `that output pays ${output.valueSat} sat; the channel needs exactly ${channel.capacitySat}`,
        "vout",
      ),
    );
  }
  if (!seen.unspent) return err(domainError("funding_spent", "that output is already spent", "vout"));
  if (seen.tipHeight >= channel.refundLocktime - ctx.policy.closeMarginBlocks) {
    return err(
      domainError("channel_expiring", "the channel's refund locktime is too close; open a new channel"),
    );
  }
  const funded: Channel = {
    ...channel,
    status: "opening",
    fundingTxid: outpoint.txid,
    fundingVout: outpoint.vout,
    fundingConfirmations: seen.tx.confirmations,
  };
  return ok(confirm(funded, seen.tx.confirmations, ctx.minConfirmations, ctx.nowSeconds));
}

/** An opening channel with enough confirmations is open. */
export function confirm(
  channel: Channel,
  confirmations: number,
  minConfirmations: number,
  nowSeconds: number,
): Channel {
  if (channel.status !== "opening") return channel;
  const counted = { ...channel, fundingConfirmations: confirmations };
  return confirmations >= minConfirmations ? { ...counted, status: "open", openedAt: nowSeconds } : counted;
}

/** The payer asks to close: open → closing; asking again changes nothing. */
export function requestClose(
  channel: Channel,
  signatureValid: boolean,
  nowSeconds: number,
): Result<Channel, DomainError> {
  if (!signatureValid) {
    return err(
      domainError(
        "invalid_signature",
        "signature must be the payer's low-S DER signature of sluice/close/v1:<id>",
        "signature",
      ),
    );
  }
  if (channel.status === "closing") return ok(channel);
  if (channel.status !== "open") return err(domainError("channel_not_open", `channel is ${channel.status}`));
  return ok({ ...channel, status: "closing", closeRequestedAt: nowSeconds });
}

/** The payer took the CLTV path (the funding output was spent while we held no close): refunded. */
export const refunded = (channel: Channel, nowSeconds: number): Channel => ({
  ...channel,
  status: "refunded",
  closedAt: nowSeconds,
});

/** The offer, expired. */
export const expiredOffer = (channel: Channel): Channel => ({ ...channel, status: "expired" });
