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
  /** The hub's key H for a channel id (purpose `channel/<channel_id>`, docs/keys.md). */
  readonly hubKeyFor: (channelId: string) => Uint8Array;
  readonly tipHeight: number;
  readonly nowMs: number;
  readonly random: RandomBytes;
}

/**
 * Validates a request and makes the channel offer: its own hub key, script, locktime, funding
 * output. DESIGN.md §5: every offer has its own H, so no two offers share a funding script.
 */
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
  const id = newId("channel", ctx.nowMs, ctx.random);
  const hubPubkey = ctx.hubKeyFor(id);
  const terms = {
    payerPubkey: request.payerPubkey,
    hubPubkey,
    refundLocktime: ctx.tipHeight + lifetimeBlocks,
    capacitySat: request.capacitySat,
    refundScript,
  };
  const createdAt = Math.floor(ctx.nowMs / 1000);
  return ok({
    id,
    status: "awaiting_funding",
    payerPubkey: bytesToHex(request.payerPubkey),
    hubPubkey: bytesToHex(hubPubkey),
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
    fundingVerifiedAt: null,
    fundingError: null,
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

/** An `opening` channel whose outpoint the node has not shown yet (the hub keeps looking). */
export const awaitingNode = (channel: Channel): boolean =>
  channel.status === "opening" && channel.fundingVerifiedAt === null;

export interface Outpoint {
  readonly txid: string;
  readonly vout: number;
}

export interface FundingContext {
  readonly minConfirmations: number;
  readonly policy: ChannelPolicy;
  readonly nowSeconds: number;
}

const registers = (channel: Channel, outpoint: Outpoint) =>
  channel.fundingTxid === outpoint.txid && channel.fundingVout === outpoint.vout;

/**
 * Whether the payer may register `outpoint` now, decided before the chain is asked. The
 * registration must carry P's signature of `sluice/funding/v1:<id>:<txid>:<vout>` (DESIGN.md §6):
 * nobody else can point a channel at a deposit. The same outpoint again is a harmless repeat; an
 * outpoint the node has not shown yet may be replaced by the payer (a mistyped txid is not final).
 */
export function checkRegistration(
  channel: Channel,
  outpoint: Outpoint,
  signatureValid: boolean,
  nowSeconds: number,
): Result<"repeat" | "new", DomainError> {
  if (!signatureValid) {
    return err(
      domainError(
        "invalid_signature",
        "signature must be the payer's low-S DER signature of sluice/funding/v1:<id>:<txid>:<vout>",
        "signature",
      ),
    );
  }
  if (registers(channel, outpoint)) return ok("repeat");
  const unfunded = channel.status === "awaiting_funding" || awaitingNode(channel);
  if (channel.status === "expired" || (unfunded && nowSeconds >= channel.offerExpiresAt)) {
    return err(
      domainError("channel_offer_expired", "this channel offer expired before it was funded; open a new one"),
    );
  }
  if (unfunded) return ok("new");
  return err(
    domainError(
      "channel_not_awaiting_funding",
      `channel is ${channel.status}, already funded by another output`,
    ),
  );
}

/**
 * The exact check of a funding output the node shows (DESIGN.md §6): exactly the channel's script
 * and value, unspent, with enough lifetime left. Gives the transaction's confirmations.
 */
export function verifyFunding(
  channel: Channel,
  outpoint: Outpoint,
  seen: FundingObservation,
  policy: ChannelPolicy,
): Result<number, DomainError> {
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
  if (seen.tipHeight >= channel.refundLocktime - policy.closeMarginBlocks) {
    return err(
      domainError("channel_expiring", "the channel's refund locktime is too close; open a new channel"),
    );
  }
  return ok(seen.tx.confirmations);
}

/** The channel with its outpoint verified at `confirmations`: opening, or open at enough of them. */
const verified = (channel: Channel, outpoint: Outpoint, confirmations: number, ctx: FundingContext) =>
  confirm(
    {
      ...channel,
      status: "opening",
      fundingTxid: outpoint.txid,
      fundingVout: outpoint.vout,
      fundingConfirmations: confirmations,
      fundingVerifiedAt: ctx.nowSeconds,
      fundingError: null,
    },
    confirmations,
    ctx.minConfirmations,
    ctx.nowSeconds,
  );

/**
 * Records a registration `checkRegistration` allowed. When the node shows the transaction it is
 * verified at once (a mismatch is the request's error and changes nothing); when it does not, the
 * channel is `opening` with the outpoint recorded but unverified: relay takes time (DESIGN.md §6).
 */
export function acceptFunding(
  channel: Channel,
  outpoint: Outpoint,
  seen: FundingObservation,
  ctx: FundingContext,
): Result<Channel, DomainError> {
  if (seen.tx === null) {
    if (registers(channel, outpoint)) return ok(channel);
    return ok({
      ...channel,
      status: "opening",
      fundingTxid: outpoint.txid,
      fundingVout: outpoint.vout,
      fundingConfirmations: 0,
      fundingVerifiedAt: null,
      fundingError: null,
    });
  }
  const checked = verifyFunding(channel, outpoint, seen, ctx.policy);
  if (!checked.ok) return checked;
  return ok(verified(channel, outpoint, checked.value, ctx));
}

/**
 * Looks again at an outpoint registered before the node showed it. Shown and matching: verified.
 * Shown and not matching: the outpoint is let go (back to awaiting_funding, or expired past the
 * offer's TTL) and `fundingError` says exactly what was wrong, so the payer can register the
 * right one (or refund by the CLTV path). Still not shown: waiting until the offer expires.
 */
export function recheckFunding(channel: Channel, seen: FundingObservation, ctx: FundingContext): Channel {
  if (!awaitingNode(channel) || channel.fundingTxid === null || channel.fundingVout === null) return channel;
  const outpoint = { txid: channel.fundingTxid, vout: channel.fundingVout };
  const lapsed = ctx.nowSeconds >= channel.offerExpiresAt;
  if (seen.tx === null && !lapsed) return channel;
  const checked: Result<number, DomainError> =
    seen.tx === null
      ? err(
          domainError(
            "funding_not_found",
            "the bitcoin node never showed this transaction before the offer expired",
          ),
        )
      : verifyFunding(channel, outpoint, seen, ctx.policy);
  if (checked.ok) return verified(channel, outpoint, checked.value, ctx);
  return {
    ...channel,
    status: lapsed ? "expired" : "awaiting_funding",
    fundingTxid: null,
    fundingVout: null,
    fundingConfirmations: 0,
    fundingError: {
      code: checked.error.code,
      message: `${outpoint.txid}:${outpoint.vout}: ${checked.error.message}`,
    },
  };
}

/** A verified opening channel with enough confirmations is open. */
export function confirm(
  channel: Channel,
  confirmations: number,
  minConfirmations: number,
  nowSeconds: number,
): Channel {
  if (channel.status !== "opening" || channel.fundingVerifiedAt === null) return channel;
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
