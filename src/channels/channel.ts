/** Channels: a payer's deposit with the hub, spent off-chain by signed states (DESIGN.md §5). */
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
  readonly createdAt: number;
  readonly offerExpiresAt: number;
  readonly openedAt: number | null;
  readonly closeRequestedAt: number | null;
  readonly closedAt: number | null;
  /** The settlement closing it on chain, once planned. */
  readonly settlementId: string | null;
  readonly closeReason: "expiring" | "exhausted" | "requested" | null;
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
