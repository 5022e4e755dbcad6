/**
 * The Merkle-sum tree of liabilities a settlement anchors on chain (DESIGN.md §8), and its
 * OP_RETURN. Pure: the SDK verifies proofs with the same code the hub builds them with.
 *
 * Leaf:  H_leaf(settlement_id ‖ 0x00 ‖ owner ‖ 0x00 ‖ u64be(balance_msat)), sum = balance_msat
 * Node:  H_node(left.hash ‖ u64be(left.sum) ‖ right.hash ‖ u64be(right.sum)), sum = left.sum + right.sum
 * H_tag(m) = sha256(sha256(tag) ‖ sha256(tag) ‖ m) (BIP 340 tagged hashes), tags "sluice/leaf",
 * "sluice/node". Leaves are sorted by owner; an odd level pairs its last node with the empty node
 * (32 zero bytes, sum 0). Committing the sums makes a hidden or negative liability impossible: the
 * root's sum is the total every leaf adds up to.
 */
import { concatBytes, sha256, utf8ToBytes } from "../crypto";

export interface Leaf {
  /** `merchant:<id>`, `channel:<id>` or `refund_owed:<channel id>`: whose balance this is. */
  readonly owner: string;
  readonly balanceMsat: bigint;
}

export interface SumNode {
  readonly hash: Uint8Array;
  readonly sum: bigint;
}

export interface ProofStep {
  /** The sibling's hash and sum; `left` when the sibling sits to the left of the path. */
  readonly hash: Uint8Array;
  readonly sum: bigint;
  readonly left: boolean;
}

const U64_LIMIT = 1n << 64n;
const EMPTY: SumNode = { hash: new Uint8Array(32), sum: 0n };
/** "SLC1": the 4-byte marker that starts a Sluice settlement OP_RETURN. */
export const ANCHOR_MAGIC = utf8ToBytes("SLC1");
/** OP_RETURN payload: magic(4) ‖ root(32) ‖ total_liabilities_msat(u64be). */
export const ANCHOR_BYTES = 4 + 32 + 8;

const tagHashes = new Map<string, Uint8Array>();
function taggedHash(tag: string, message: Uint8Array): Uint8Array {
  let prefix = tagHashes.get(tag);
  if (!prefix) {
    const t = sha256(utf8ToBytes(tag));
    prefix = concatBytes(t, t);
    tagHashes.set(tag, prefix);
  }
  return sha256(concatBytes(prefix, message));
}

function u64be(value: bigint): Uint8Array {
  if (value < 0n || value >= U64_LIMIT) throw new RangeError(`not a u64: ${value}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

/** The hash and sum of one leaf. */
export function leafNode(settlementId: string, leaf: Leaf): SumNode {
  const message = concatBytes(
    utf8ToBytes(settlementId),
    Uint8Array.of(0),
    utf8ToBytes(leaf.owner),
    Uint8Array.of(0),
    u64be(leaf.balanceMsat),
  );
  return { hash: taggedHash("sluice/leaf", message), sum: leaf.balanceMsat };
}

/** The parent of two nodes; a sum past u64 is impossible for real balances and throws. */
export function parentNode(left: SumNode, right: SumNode): SumNode {
  const sum = left.sum + right.sum;
  if (sum >= U64_LIMIT) throw new RangeError(`liability sum past u64: ${sum}`);
  const message = concatBytes(left.hash, u64be(left.sum), right.hash, u64be(right.sum));
  return { hash: taggedHash("sluice/node", message), sum };
}

/** Leaves in tree order (by owner); duplicate owners are a bug. */
export function sortLeaves(leaves: readonly Leaf[]): Leaf[] {
  const sorted = [...leaves].sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.owner === sorted[i - 1]!.owner) throw new Error(`duplicate leaf ${sorted[i]!.owner}`);
  }
  return sorted;
}

/** Every level of the tree, leaves first; the last level holds the root alone. */
function levels(settlementId: string, sorted: readonly Leaf[]): SumNode[][] {
  let level = sorted.map((leaf) => leafNode(settlementId, leaf));
  const all = [level];
  while (level.length > 1) {
    const next: SumNode[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(parentNode(level[i]!, level[i + 1] ?? EMPTY));
    level = next;
    all.push(level);
  }
  return all;
}

/** Root and total of a set of liabilities (the empty set: zero hash, zero sum). */
export function merkleSumRoot(settlementId: string, leaves: readonly Leaf[]): SumNode {
  const sorted = sortLeaves(leaves);
  if (sorted.length === 0) return EMPTY;
  const all = levels(settlementId, sorted);
  return all[all.length - 1]![0]!;
}

/** The inclusion proof of `owner`'s leaf, or null when it has no leaf. */
export function merkleSumProof(
  settlementId: string,
  leaves: readonly Leaf[],
  owner: string,
): { leaf: Leaf; index: number; steps: ProofStep[] } | null {
  const sorted = sortLeaves(leaves);
  const index = sorted.findIndex((l) => l.owner === owner);
  if (index < 0) return null;
  const steps: ProofStep[] = [];
  let at = index;
  for (const level of levels(settlementId, sorted).slice(0, -1)) {
    const siblingAt = at % 2 === 0 ? at + 1 : at - 1;
    const sibling = level[siblingAt] ?? EMPTY;
    steps.push({ hash: sibling.hash, sum: sibling.sum, left: at % 2 === 1 });
    at = Math.floor(at / 2);
  }
  return { leaf: sorted[index]!, index, steps };
}

/** Recomputes the root from a leaf and its path. */
export function rootFromProof(settlementId: string, leaf: Leaf, steps: readonly ProofStep[]): SumNode {
  let node = leafNode(settlementId, leaf);
  for (const step of steps) {
    const sibling = { hash: step.hash, sum: step.sum };
    node = step.left ? parentNode(sibling, node) : parentNode(node, sibling);
  }
  return node;
}

/** The OP_RETURN output script anchoring a root and total: OP_RETURN PUSH44 "SLC1" ‖ root ‖ total. */
export function anchorScript(root: SumNode): Uint8Array {
  return concatBytes(Uint8Array.of(0x6a, ANCHOR_BYTES), ANCHOR_MAGIC, root.hash, u64be(root.sum));
}

/** The root and total in an output script, or null when it is not a Sluice anchor. */
export function parseAnchor(script: Uint8Array): SumNode | null {
  if (script.length !== 2 + ANCHOR_BYTES || script[0] !== 0x6a || script[1] !== ANCHOR_BYTES) return null;
  for (let i = 0; i < ANCHOR_MAGIC.length; i++) if (script[2 + i] !== ANCHOR_MAGIC[i]) return null;
  const hash = script.slice(6, 38);
  const sum = new DataView(script.buffer, script.byteOffset + 38, 8).getBigUint64(0, false);
  return { hash, sum };
}
