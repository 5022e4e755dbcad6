/**
 * The Merkle-sum tree of liabilities a settlement anchors on chain (DESIGN.md §8), and its
 * OP_RETURN. Pure: the SDK verifies proofs with the same code the hub builds them with.
 *
 * Leaf:  H_saltedleaf(settlement_id ‖ 0x00 ‖ owner ‖ 0x00 ‖ salt(32) ‖ u64be(balance_msat)),
 *        sum = balance_msat
 * Node:  H_node(left.hash ‖ u64be(left.sum) ‖ right.hash ‖ u64be(right.sum)), sum = left.sum + right.sum
 * H_tag(m) = sha256(sha256(tag) ‖ sha256(tag) ‖ m) (BIP 340 tagged hashes), tags
 * "sluice/leaf/salted", "sluice/node". Each leaf's salt is secret to its owner (derived from a
 * random seed the hub keeps per settlement), and leaves are ordered by their hashes: a proof's
 * sibling hashes and sums belong to leaves nobody can name, so a proof shows only its owner's
 * balance by name. An odd level pairs its last node with the empty node (32 zero bytes, sum 0).
 * Committing the sums makes a hidden or negative liability impossible: the root's sum is the total
 * every leaf adds up to.
 *
 * Settlements anchored before salting have unsalted leaves, H_leaf(settlement_id ‖ 0x00 ‖ owner ‖
 * 0x00 ‖ u64be(balance_msat)) with tag "sluice/leaf", ordered by owner; their proofs still verify.
 */
import { concatBytes, sha256, utf8ToBytes } from "../crypto";

export interface Leaf {
  /** `merchant:<id>`, `channel:<id>` or `refund_owed:<channel id>`: whose balance this is. */
  readonly owner: string;
  readonly balanceMsat: bigint;
  /** 32 bytes shown only to the owner; absent in settlements anchored before leaves were salted. */
  readonly salt?: Uint8Array;
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

/** A leaf's salt: from the settlement's secret seed and the owner, so one seed serves every proof. */
export function leafSalt(seed: Uint8Array, owner: string): Uint8Array {
  if (seed.length !== 32) throw new RangeError("a leaf salt seed is 32 bytes");
  return taggedHash("sluice/leaf-salt", concatBytes(seed, utf8ToBytes(owner)));
}

/** The hash and sum of one leaf. */
export function leafNode(settlementId: string, leaf: Leaf): SumNode {
  if (leaf.salt && leaf.salt.length !== 32) throw new RangeError(`the salt of ${leaf.owner} is not 32 bytes`);
  const message = concatBytes(
    utf8ToBytes(settlementId),
    Uint8Array.of(0),
    utf8ToBytes(leaf.owner),
    Uint8Array.of(0),
    ...(leaf.salt ? [leaf.salt] : []),
    u64be(leaf.balanceMsat),
  );
  return {
    hash: taggedHash(leaf.salt ? "sluice/leaf/salted" : "sluice/leaf", message),
    sum: leaf.balanceMsat,
  };
}

/** The parent of two nodes; a sum past u64 is impossible for real balances and throws. */
export function parentNode(left: SumNode, right: SumNode): SumNode {
  const sum = left.sum + right.sum;
  if (sum >= U64_LIMIT) throw new RangeError(`liability sum past u64: ${sum}`);
  const message = concatBytes(left.hash, u64be(left.sum), right.hash, u64be(right.sum));
  return { hash: taggedHash("sluice/node", message), sum };
}

const compareBytes = (a: Uint8Array, b: Uint8Array) => {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
};

/**
 * Leaves with their nodes in tree order: salted leaves by hash (an order that says nothing of
 * their owners), unsalted ones by owner. Duplicate owners, or salted and unsalted leaves in one
 * tree, are a bug.
 */
function treeOrder(settlementId: string, leaves: readonly Leaf[]): { leaf: Leaf; node: SumNode }[] {
  const salted = leaves.filter((l) => l.salt).length;
  if (salted !== 0 && salted !== leaves.length) throw new Error("a tree's leaves are all salted or none");
  const owners = new Set(leaves.map((l) => l.owner));
  if (owners.size !== leaves.length) throw new Error("duplicate leaf owner");
  const nodes = leaves.map((leaf) => ({ leaf, node: leafNode(settlementId, leaf) }));
  return nodes.sort((a, b) =>
    salted
      ? compareBytes(a.node.hash, b.node.hash)
      : a.leaf.owner < b.leaf.owner
        ? -1
        : a.leaf.owner > b.leaf.owner
          ? 1
          : 0,
  );
}

/** Every level of the tree, leaves first; the last level holds the root alone. */
function levels(ordered: readonly { node: SumNode }[]): SumNode[][] {
  let level = ordered.map((o) => o.node);
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
  if (leaves.length === 0) return EMPTY;
  const all = levels(treeOrder(settlementId, leaves));
  return all[all.length - 1]![0]!;
}

/** The inclusion proof of `owner`'s leaf, or null when it has no leaf. */
export function merkleSumProof(
  settlementId: string,
  leaves: readonly Leaf[],
  owner: string,
): { leaf: Leaf; index: number; steps: ProofStep[] } | null {
  const ordered = treeOrder(settlementId, leaves);
  const index = ordered.findIndex((o) => o.leaf.owner === owner);
  if (index < 0) return null;
  const steps: ProofStep[] = [];
  let at = index;
  for (const level of levels(ordered).slice(0, -1)) {
    const siblingAt = at % 2 === 0 ? at + 1 : at - 1;
    const sibling = level[siblingAt] ?? EMPTY;
    steps.push({ hash: sibling.hash, sum: sibling.sum, left: at % 2 === 1 });
    at = Math.floor(at / 2);
  }
  return { leaf: ordered[index]!.leaf, index, steps };
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
