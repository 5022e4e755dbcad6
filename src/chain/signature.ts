/** ECDSA as Bitcoin uses it: strict DER (BIP 66), low S (BIP 146), over 32-byte hashes. */
import { concatBytes, secp, sha256, utf8ToBytes } from "../crypto";

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

/** Signs a 32-byte hash; returns low-S DER (without a sighash byte). */
export const signDer = (hash: Uint8Array, secretKey: Uint8Array): Uint8Array =>
  compactToDer(secp.sign(hash, secretKey, { prehash: false, lowS: true }));

/** True only for a strictly DER-encoded, low-S signature by `pubkey` over `hash`. */
export function verifyDerLowS(signature: Uint8Array, hash: Uint8Array, pubkey: Uint8Array): boolean {
  const compact = derToCompact(signature);
  if (compact === null) return false;
  try {
    return secp.verify(compact, hash, pubkey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

/** DESIGN.md §6: the hash a payer signs to authenticate `action` on a channel. */
export const payerMessageHash = (action: string, channelId: string, ...more: string[]): Uint8Array =>
  sha256(utf8ToBytes(`sluice/${action}/v1:${[channelId, ...more].join(":")}`));
