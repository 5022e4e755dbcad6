/** ECDSA as Bitcoin uses it: strict DER (BIP 66), low S (BIP 146), over 32-byte hashes. */
import { bytesToHex, concatBytes, secp, sha256, utf8ToBytes } from "../crypto";

/** Compact r ‖ s (64 bytes) to DER. */
export function compactToDer(compact: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1]! & 0x80) === 0) start++;
    const body = bytes.slice(start);
    const padded = (body[0]! & 0x80) !== 0 ? concatBytes(Uint8Array.of(0), body) : body;
    return concatBytes(Uint8Array.of(0x02, padded.length), padded);
  };
  const r = integer(compact.slice(0, 32));
  const s = integer(compact.slice(32, 64));
  return concatBytes(Uint8Array.of(0x30, r.length + s.length), r, s);
}

/** Strict DER (BIP 66 rules, without a sighash byte) to compact r ‖ s, or null if not strict DER. */
export function derToCompact(der: Uint8Array): Uint8Array | null {
  if (der.length < 8 || der.length > 72 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const rLength = der[3]!;
  if (der[2] !== 0x02 || rLength === 0 || 5 + rLength >= der.length) return null;
  const sLength = der[5 + rLength]!;
  if (der[4 + rLength] !== 0x02 || sLength === 0 || rLength + sLength + 6 !== der.length) return null;
  const r = der.slice(4, 4 + rLength);
  const s = der.slice(6 + rLength);
  for (const n of [r, s]) {
    if ((n[0]! & 0x80) !== 0) return null; // negative
    if (n.length > 1 && n[0] === 0 && (n[1]! & 0x80) === 0) return null; // needless zero padding
  }
  const fixed = (n: Uint8Array) => {
    const body = n[0] === 0 ? n.slice(1) : n;
    if (body.length > 32) return null;
    const out = new Uint8Array(32);
    out.set(body, 32 - body.length);
    return out;
  };
  const rFixed = fixed(r);
  const sFixed = fixed(s);
  return rFixed && sFixed ? concatBytes(rFixed, sFixed) : null;
}

/**
 * An ECDSA backend over 32-byte hashes and compact r ‖ s signatures: `nobleEcdsa` (pure JS, runs
 * anywhere) or `wasmEcdsa` (libsecp256k1 compiled to WebAssembly, in the Worker: secp256k1-wasm.ts).
 * Both sign deterministically (RFC 6979) with low S, so they produce the same bytes.
 */
export interface Ecdsa {
  /** False for anything but a valid signature (never throws). */
  verify(compact: Uint8Array, hash: Uint8Array, pubkey: Uint8Array): boolean;
  /** RFC 6979, low S. */
  sign(hash: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

/** @noble/secp256k1 (Node, browsers, the Worker). */
export const nobleEcdsa: Ecdsa = {
  verify(compact, hash, pubkey) {
    try {
      return secp.verify(compact, hash, pubkey, { prehash: false, lowS: true });
    } catch {
      return false;
    }
  },
  sign: (hash, secretKey) => secp.sign(hash, secretKey, { prehash: false, lowS: true }),
};

/** Signs a 32-byte hash; returns low-S DER (without a sighash byte). */
export const signDer = (hash: Uint8Array, secretKey: Uint8Array, ecdsa: Ecdsa = nobleEcdsa): Uint8Array =>
  compactToDer(ecdsa.sign(hash, secretKey));

const N = secp.Point.CURVE().n;
const bigOf = (bytes: Uint8Array) => BigInt(`0x${bytesToHex(bytes)}`);

/** BIP 146 LOW_S, and both scalars in range: 1 ≤ r < n, 1 ≤ s ≤ n/2 (checked here for every backend). */
function canonicalScalars(compact: Uint8Array): boolean {
  const r = bigOf(compact.subarray(0, 32));
  const s = bigOf(compact.subarray(32, 64));
  return r >= 1n && r < N && s >= 1n && s <= N >> 1n;
}

/**
 * True only for a strictly DER-encoded, low-S signature by `pubkey` over `hash`. The strictness
 * is decided here, before any backend runs, so both verifiers accept exactly the same signatures.
 */
export function verifyDerLowS(
  signature: Uint8Array,
  hash: Uint8Array,
  pubkey: Uint8Array,
  ecdsa: Ecdsa = nobleEcdsa,
): boolean {
  const compact = derToCompact(signature);
  if (compact === null || !canonicalScalars(compact)) return false;
  return ecdsa.verify(compact, hash, pubkey);
}

/** DESIGN.md §6: the hash a payer signs to authenticate `action` on a channel. */
export const payerMessageHash = (action: string, channelId: string, ...more: string[]): Uint8Array =>
  sha256(utf8ToBytes(`sluice/${action}/v1:${[channelId, ...more].join(":")}`));
