/** The channel as the API and events render it. */
import type { Network } from "../core/network";
import { msatToEdge } from "../core/money";
import type { Channel } from "./channel";
import { fundingAddress } from "./rules";

/** JSON view of a channel (DESIGN.md §6 fields plus funding and lifecycle details). */
export function renderChannel(c: Channel, network: Network) {
  return {
    id: c.id,
    object: "channel" as const,
    status: c.status,
    payer_pubkey: c.payerPubkey,
    hub_pubkey: c.hubPubkey,
    refund_locktime: c.refundLocktime,
    witness_script: c.witnessScript,
    funding_script_pubkey: c.fundingScriptPubkey,
    funding_address: fundingAddress(c, network),
    capacity_sat: Number(c.capacitySat),
    refund_script_pubkey: c.refundScriptPubkey,
    seq: c.seq,
    payer_balance_msat: msatToEdge(c.payerBalanceMsat),
    funding_txid: c.fundingTxid,
    funding_vout: c.fundingVout,
    funding_confirmations: c.fundingConfirmations,
    funding_verified_at: c.fundingVerifiedAt,
    funding_error: c.fundingError,
    created_at: c.createdAt,
    offer_expires_at: c.offerExpiresAt,
    opened_at: c.openedAt,
    close_requested_at: c.closeRequestedAt,
    closed_at: c.closedAt,
    settlement_id: c.settlementId,
    close_reason: c.closeReason,
  };
}
