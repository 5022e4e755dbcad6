/** Settlement: what the cron puts on chain, and the states it moves through (DESIGN.md §8). */

/**
 * planned → signed → broadcast ⇄ confirmed → final. A planned transaction has its inputs and
 * outputs fixed (persisted before anything is signed); signed has raw bytes and txid persisted
 * before broadcast; a reorg takes confirmed back to broadcast; final is booked in the ledger.
 * abandoned: someone else spent one of its inputs (a payer's CLTV refund), so no version can
 * ever confirm; its payouts went back to their balances and its coins back to the wallet.
 */
export const SETTLEMENT_TX_STATUSES = [
  "planned",
  "signed",
  "broadcast",
  "confirmed",
  "final",
  "abandoned",
] as const;
export type SettlementTxStatus = (typeof SETTLEMENT_TX_STATUSES)[number];

/** A settlement is as far as its least advanced transaction; final when all are. */
export const SETTLEMENT_STATUSES = SETTLEMENT_TX_STATUSES;
export type SettlementStatus = SettlementTxStatus;

export const PAYOUT_STATUSES = ["pending", "broadcast", "confirmed", "failed"] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** Why a channel is closed by the hub. */
export type CloseReason = "expiring" | "exhausted" | "requested";

/** A channel the hub will close with the payer's latest signed state. */
export interface CloseCandidate {
  readonly channelId: string;
  readonly fundingTxid: string;
  readonly fundingVout: number;
  readonly capacitySat: bigint;
  /** Hex. */
  readonly witnessScript: string;
  /** Hex: where the payer's output goes. */
  readonly refundScript: string;
  /** The signed state's seq: its input's nSequence is 0x80000000 + seq (DESIGN.md §5). */
  readonly seq: number;
  readonly payerBalanceMsat: bigint;
  /** 0x83 (SINGLE|ANYONECANPAY) or 0x82 (NONE|ANYONECANPAY, dust balance). */
  readonly sighashType: number;
  /** The payer's low-S DER signature of the closing template, hex, without the sighash byte. */
  readonly signature: string;
  readonly reason: CloseReason;
}

/** Someone the hub owes and can pay now: a merchant's balance or refunds owed to a payer. */
export interface PayoutCandidate {
  readonly kind: "merchant" | "refund";
  /** Merchant id, or the channel id whose payer is owed the refund. */
  readonly ownerId: string;
  /** Hex output script to pay. */
  readonly script: string;
  /** The ledger balance available to pay out. */
  readonly availableMsat: bigint;
}

/** A confirmed output of the hub's own wallet (P2WPKH of the wallet key). */
export interface HubCoin {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
}

/**
 * An input as planned, with its nSequence fixed at plan time so every signed version and fee bump
 * spends it identically: a channel's is 0x80000000 + the signed state's seq (what the payer
 * signed), a hub coin's is HUB_INPUT_SEQUENCE (plan.ts).
 */
export type PlannedInput =
  | {
      readonly kind: "channel";
      readonly channelId: string;
      readonly txid: string;
      readonly vout: number;
      readonly sequence: number;
      readonly valueSat: bigint;
      readonly witnessScript: string;
      readonly payerSignature: string;
      readonly sighashType: number;
    }
  | {
      readonly kind: "hub";
      readonly txid: string;
      readonly vout: number;
      readonly sequence: number;
      readonly valueSat: bigint;
    };

export type PlannedOutput =
  | { readonly kind: "payer"; readonly channelId: string; readonly script: string; readonly valueSat: bigint }
  | {
      readonly kind: "payout";
      readonly payoutKey: string;
      readonly script: string;
      readonly valueSat: bigint;
    }
  | { readonly kind: "anchor"; readonly script: string; readonly valueSat: bigint }
  | { readonly kind: "change"; readonly script: string; readonly valueSat: bigint };

/** One transaction of a settlement, fully determined before anything is signed. */
export interface PlannedTx {
  readonly index: number;
  readonly inputs: readonly PlannedInput[];
  readonly outputs: readonly PlannedOutput[];
  readonly feeSat: bigint;
  readonly feeRateSatPerVb: number;
  /** Upper bound of the signed size (signatures counted at their largest). */
  readonly vsize: number;
  /** The payees' fee shares in `feeSat`; the hub pays the rest. */
  readonly payeeFeeSat: bigint;
  /** What closing payers leave the hub below a whole sat or below dust, msat. */
  readonly leftToHubMsat: bigint;
  /**
   * It closes a channel near its refund locktime: it goes ahead (and its fee may be bumped) even
   * past the hub's equity, since not closing would lose far more when the payer refunds.
   */
  readonly urgent: boolean;
}

/** What the hub itself pays for a transaction (its fee share less what closes leave it), msat. */
export const hubCostMsat = (tx: PlannedTx): bigint => (tx.feeSat - tx.payeeFeeSat) * 1000n - tx.leftToHubMsat;

/** A plan as stored: JSON with amounts as decimal strings (exact past 2^53). */
export function encodePlannedTx(tx: PlannedTx): string {
  return JSON.stringify(tx, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}

const BIGINT_FIELDS = new Set(["valueSat", "feeSat", "payeeFeeSat", "leftToHubMsat"]);

/** Reads a stored plan back. */
export function decodePlannedTx(json: string): PlannedTx {
  return JSON.parse(json, (key, value) =>
    BIGINT_FIELDS.has(key) && typeof value === "string" ? BigInt(value) : value,
  ) as PlannedTx;
}

/** A payout as planned: amount on chain, the fee share it bears, and what it takes off the books. */
export interface PlannedPayout {
  /** `merchant:<id>` or `refund_owed:<channel id>`: the ledger account it is paid from. */
  readonly key: string;
  readonly kind: "merchant" | "refund";
  readonly ownerId: string;
  readonly script: string;
  readonly amountSat: bigint;
  /** This output's vbytes × the fee rate: the payee's share of the transaction fee. */
  readonly feeShareSat: bigint;
  /** (amount + fee share) × 1000: the sub-satoshi rest stays in the balance for next time. */
  readonly debitMsat: bigint;
  readonly txIndex: number;
  readonly vout: number;
}

export interface PlannedClose {
  readonly candidate: CloseCandidate;
  readonly txIndex: number;
  readonly vin: number;
  /** The payer's output index (= vin for SINGLE), or null when the payer gave up a dust balance. */
  readonly vout: number | null;
  readonly payerSat: bigint;
}

export type SkipReason = "below_dust" | "insufficient_funds" | "insufficient_equity";

export interface Plan {
  readonly settlementId: string;
  readonly txs: readonly PlannedTx[];
  readonly payouts: readonly PlannedPayout[];
  readonly closes: readonly PlannedClose[];
  readonly coins: readonly HubCoin[];
  /** Liabilities once the settlement is final: the Merkle-sum tree's leaves. */
  readonly leaves: readonly { owner: string; balanceMsat: bigint }[];
  readonly merkleRoot: Uint8Array;
  readonly totalLiabilitiesMsat: bigint;
  readonly skipped: readonly { key: string; reason: SkipReason }[];
}

// ── rows as stored ─────────────────────────────────────────────────────────────────────────

export interface SettlementRow {
  readonly id: string;
  readonly status: SettlementStatus;
  readonly merkleRoot: string;
  readonly totalLiabilitiesMsat: bigint;
  readonly feeRateSatPerVb: number;
  readonly txCount: number;
  readonly payoutCount: number;
  readonly closeCount: number;
  readonly createdAt: number;
  readonly finalAt: number | null;
}

export interface SettlementTxRow {
  readonly settlementId: string;
  readonly idx: number;
  readonly status: SettlementTxStatus;
  readonly plan: PlannedTx;
  readonly version: number;
  readonly txid: string | null;
  readonly rawTx: string | null;
  readonly broadcastHeight: number | null;
  readonly broadcastAttempts: number;
  readonly lastError: string | null;
  readonly confirmedTxid: string | null;
  readonly confirmations: number;
}

export interface TxVersion {
  readonly txid: string;
  readonly version: number;
  readonly plan: PlannedTx;
  readonly rawTx: string;
}

export interface PayoutRow {
  readonly id: string;
  readonly settlementId: string;
  readonly txIdx: number;
  readonly vout: number;
  readonly kind: "merchant" | "refund";
  readonly merchantId: string | null;
  readonly channelId: string | null;
  readonly scriptPubkey: string;
  readonly amountSat: bigint;
  readonly feeShareSat: bigint;
  readonly debitMsat: bigint;
  readonly status: PayoutStatus;
  readonly txid: string | null;
  readonly createdAt: number;
  readonly broadcastAt: number | null;
  readonly confirmedAt: number | null;
}

export interface HubUtxoRow {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly status: "available" | "reserved" | "spent";
  readonly source: "deposit" | "change";
  readonly settlementId: string | null;
  readonly createdAt: number;
}
