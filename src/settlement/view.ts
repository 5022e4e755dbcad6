/** JSON views of settlements, payouts and the hub wallet. */
import { segwitAddress } from "../chain/script";
import { msatToEdge } from "../core/money";
import type { Network } from "../core/network";
import { bytesToHex, hexToBytes } from "../crypto";
import type { ProofStep } from "./merkle";
import type { HubUtxoRow, PayoutRow, SettlementRow, SettlementTxRow } from "./settlement";

/** The address of an output script the hub pays (always a standard segwit script). */
export const addressOf = (scriptHex: string, network: Network) =>
  segwitAddress(hexToBytes(scriptHex), network);

/** A payout as its merchant sees it. */
export function renderPayout(p: PayoutRow, network: Network) {
  return {
    id: p.id,
    object: "payout" as const,
    status: p.status,
    settlement_id: p.settlementId,
    address: addressOf(p.scriptPubkey, network),
    amount_sat: Number(p.amountSat),
    fee_share_sat: Number(p.feeShareSat),
    debit_msat: msatToEdge(p.debitMsat),
    txid: p.txid,
    vout: p.vout,
    created_at: p.createdAt,
    broadcast_at: p.broadcastAt,
    confirmed_at: p.confirmedAt,
  };
}

/** The public view of a settlement: what it anchored and where it is on chain. */
export function renderSettlement(s: SettlementRow, txs: readonly SettlementTxRow[]) {
  return {
    id: s.id,
    object: "settlement" as const,
    status: s.status,
    txids: txs.flatMap((t) => {
      const id = t.confirmedTxid ?? t.txid;
      return id ? [id] : [];
    }),
    merkle_root: s.merkleRoot,
    total_liabilities_msat: msatToEdge(s.totalLiabilitiesMsat),
    // The least confirmed of its transactions (0 until all are in a block).
    confirmations: txs.reduce(
      (least, t) => Math.min(least, t.confirmations),
      txs.length > 0 ? Number.MAX_SAFE_INTEGER : 0,
    ),
    payout_count: s.payoutCount,
    close_count: s.closeCount,
    fee_rate_sat_per_vb: s.feeRateSatPerVb,
    created_at: s.createdAt,
    final_at: s.finalAt,
  };
}

/** A leaf's inclusion proof as JSON. */
export const renderProof = (proof: {
  leaf: { owner: string; balanceMsat: bigint; salt?: Uint8Array };
  index: number;
  steps: ProofStep[];
}) => ({
  owner: proof.leaf.owner,
  balance_msat: msatToEdge(proof.leaf.balanceMsat),
  salt: proof.leaf.salt ? bytesToHex(proof.leaf.salt) : null,
  index: proof.index,
  steps: proof.steps.map((step) => ({
    hash: bytesToHex(step.hash),
    sum_msat: msatToEdge(step.sum),
    side: step.left ? ("left" as const) : ("right" as const),
  })),
});

/** A hub wallet output for the operator. */
export const renderHubUtxo = (u: HubUtxoRow) => ({
  txid: u.txid,
  vout: u.vout,
  value_sat: Number(u.valueSat),
  status: u.status,
  source: u.source,
  settlement_id: u.settlementId,
  created_at: u.createdAt,
});
