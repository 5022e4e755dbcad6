/**
 * Channels: a payer's deposit with the hub, spent off-chain by signed states (DESIGN.md §5).
 *
 * awaiting_funding → opening → open → closing → closed, plus expired (an offer never funded in
 * time) and refunded (the payer took the CLTV path). `opening` holds a payer-signed funding
 * outpoint, either not yet verified (`fundingVerifiedAt` null: the hub's node has not seen the
 * transaction; the hub keeps looking until the offer expires) or verified and counting
 * confirmations. An unverified outpoint that turns out not to fund the channel sends it back to
 * awaiting_funding (or expired) with `fundingError` saying why (docs/channels.md).
 */
import type { ErrorCode } from "../core/errors";

export const CHANNEL_STATUSES = [
  "awaiting_funding",
  "opening",
  "open",
  "closing",
  "closed",
  "expired",
  "refunded",
] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

export interface Channel {
  readonly id: string;
  readonly status: ChannelStatus;
  readonly payerPubkey: string;
  readonly hubPubkey: string;
  readonly refundLocktime: number;
  readonly witnessScript: string;
  readonly fundingScriptPubkey: string;
  readonly capacitySat: bigint;
  readonly refundScriptPubkey: string;
  readonly seq: number;
  readonly payerBalanceMsat: bigint;
  readonly stateSighashType: number | null;
  readonly stateSignature: string | null;
  readonly fundingTxid: string | null;
  readonly fundingVout: number | null;
  readonly fundingConfirmations: number;
  /** When the outpoint was verified on chain; null while unverified (or none registered). */
  readonly fundingVerifiedAt: number | null;
  /** Why the last registered outpoint was turned down after the fact, if it was. */
  readonly fundingError: FundingError | null;
  readonly createdAt: number;
  readonly offerExpiresAt: number;
  readonly openedAt: number | null;
  readonly closeRequestedAt: number | null;
  readonly closedAt: number | null;
  /** The settlement closing it on chain, once planned. */
  readonly settlementId: string | null;
  readonly closeReason: "expiring" | "exhausted" | "requested" | null;
}

/** A registered outpoint found not to fund the channel once the node showed it (or never shown). */
export interface FundingError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** A validated request to open a channel. */
export interface ChannelRequest {
  readonly payerPubkey: Uint8Array;
  readonly capacitySat: bigint;
  /** Defaults to P2WPKH of the payer key. */
  readonly refundScript: Uint8Array | null;
}

/** What the chain says about a claimed funding outpoint. */
export interface FundingObservation {
  /** null when the node does not know the transaction. */
  readonly tx: {
    readonly confirmations: number;
    readonly outputs: readonly { valueSat: bigint; script: Uint8Array }[];
  } | null;
  readonly unspent: boolean;
  readonly tipHeight: number;
}
