/**
 * Checks a settlement proof against the transaction on chain (DESIGN.md §8): the OP_RETURN of the
 * settlement's transaction commits to a Merkle-sum root and the total the hub owes; each leaf in
 * the proof must hash up to exactly that root and total. Needs only the raw transaction, from any
 * node or block explorer the merchant or payer trusts — not the hub's word.
 */
import { parseTx, txid } from "../chain/tx";
import { bytesToHex, hexToBytes } from "../crypto";
import { parseAnchor, rootFromProof } from "../settlement/merkle";

/** GET /v1/settlements/{id}/proof, as the API returns it. */
export interface SettlementProof {
  settlement_id: string;
  merkle_root: string;
  total_liabilities_msat: number;
  txids: string[];
  proofs: {
    owner: string;
    balance_msat: number;
    index: number;
    steps: { hash: string; sum_msat: number; side: "left" | "right" }[];
  }[];
}

export type ProofCheck = { ok: true; balances: Record<string, number> } | { ok: false; reason: string };

/** Verifies every leaf of `proof` against the anchor in `rawTxHex` (one of the settlement's transactions). */
export function verifySettlementProof(proof: SettlementProof, rawTxHex: string): ProofCheck {
  let tx: ReturnType<typeof parseTx>;
  try {
    tx = parseTx(hexToBytes(rawTxHex));
  } catch {
    return { ok: false, reason: "not a transaction" };
  }
  if (!proof.txids.includes(txid(tx)))
    return { ok: false, reason: "the transaction is not one of this settlement's" };
  const anchor = tx.outputs.map((o) => parseAnchor(o.script)).find((a) => a !== null);
  if (!anchor) return { ok: false, reason: "the transaction has no SLC1 anchor" };
  if (bytesToHex(anchor.hash) !== proof.merkle_root || anchor.sum !== BigInt(proof.total_liabilities_msat)) {
    return { ok: false, reason: "the hub's stated root or total differs from the one on chain" };
  }
  const balances: Record<string, number> = {};
  for (const leaf of proof.proofs) {
    const root = rootFromProof(
      proof.settlement_id,
      { owner: leaf.owner, balanceMsat: BigInt(leaf.balance_msat) },
      leaf.steps.map((s) => ({ hash: hexToBytes(s.hash), sum: BigInt(s.sum_msat), left: s.side === "left" })),
    );
    if (bytesToHex(root.hash) !== bytesToHex(anchor.hash) || root.sum !== anchor.sum) {
      return { ok: false, reason: `the leaf of ${leaf.owner} does not lead to the anchored root` };
    }
    balances[leaf.owner] = leaf.balance_msat;
  }
  return { ok: true, balances };
}
