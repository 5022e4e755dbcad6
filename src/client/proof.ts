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
    /** Hex; null for settlements anchored before leaves were salted. */
    salt?: string | null;
    index: number;
    steps: { hash: string; sum_msat: number; side: "left" | "right" }[];
  }[];
}

export type ProofCheck = { ok: true; balances: Record<string, number> } | { ok: false; reason: string };

/** What the checker knows independently of the hub: which settlement, whose leaf, and a floor. */
export interface ProofExpectation {
  readonly settlementId: string;
  /** The leaf that must be there, e.g. `merchant:<id>` or `channel:<id>`. */
  readonly owner: string;
  /**
   * The least the leaf may say, msat: a payer's balance only goes down, so its current balance is
   * a floor for what any earlier settlement owed it. A leaf may be missing only when this is 0.
   */
  readonly minimumBalanceMsat?: bigint;
}

/**
 * Verifies `proof` against the anchor in `rawTxHex` (one of the settlement's transactions). With
 * `expected`, also that it is the settlement asked for and that the hub did not leave the owner out
 * or under-state what it owes them.
 */
export function verifySettlementProof(
  proof: SettlementProof,
  rawTxHex: string,
  expected?: ProofExpectation,
): ProofCheck {
  let tx: ReturnType<typeof parseTx>;
  try {
    tx = parseTx(hexToBytes(rawTxHex));
  } catch {
    return { ok: false, reason: "not a transaction" };
  }
  if (expected && proof.settlement_id !== expected.settlementId) {
    return { ok: false, reason: "the proof is for another settlement" };
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
    let root: ReturnType<typeof rootFromProof>;
    try {
      root = rootFromProof(
        proof.settlement_id,
        {
          owner: leaf.owner,
          balanceMsat: BigInt(leaf.balance_msat),
          ...(leaf.salt ? { salt: hexToBytes(leaf.salt) } : {}),
        },
        leaf.steps.map((s) => ({
          hash: hexToBytes(s.hash),
          sum: BigInt(s.sum_msat),
          left: s.side === "left",
        })),
      );
    } catch {
      return { ok: false, reason: `the leaf of ${leaf.owner} is malformed` };
    }
    if (bytesToHex(root.hash) !== bytesToHex(anchor.hash) || root.sum !== anchor.sum) {
      return { ok: false, reason: `the leaf of ${leaf.owner} does not lead to the anchored root` };
    }
    balances[leaf.owner] = leaf.balance_msat;
  }
  if (expected) {
    const floor = expected.minimumBalanceMsat ?? 0n;
    const stated = balances[expected.owner];
    if (stated === undefined && floor > 0n)
      return { ok: false, reason: `the hub left ${expected.owner} out` };
    if (stated !== undefined && BigInt(stated) < floor) {
      return { ok: false, reason: `the hub states less than it owes ${expected.owner}` };
    }
  }
  return { ok: true, balances };
}
