/** Scripts: the channel witness script (DESIGN.md §5), standard output scripts, addresses. */
import { bech32, bech32m } from "@scure/base";
import type { Network } from "../core/network";
import { concatBytes, secp, sha256 } from "../crypto";
import { hash160 } from "./encoding";

export const OP = {
  0: 0x00,
  PUSHDATA1: 0x4c,
  1: 0x51,
  IF: 0x63,
  ELSE: 0x67,
  ENDIF: 0x68,
  DROP: 0x75,
  CHECKSIG: 0xac,
  CHECKSIGVERIFY: 0xad,
  CHECKLOCKTIMEVERIFY: 0xb1,
  RETURN: 0x6a,
} as const;

/** Minimal push of data (BIP 62 rule for the sizes used here: ≤ 75 bytes direct, else PUSHDATA1). */
export function pushData(data: Uint8Array): Uint8Array {
  if (data.length <= 75) return concatBytes(Uint8Array.of(data.length), data);
  if (data.length <= 255) return concatBytes(Uint8Array.of(OP.PUSHDATA1, data.length), data);
  throw new RangeError("push too large");
}

/** Minimal push of a non-negative script number (OP_0, OP_1…OP_16, or little-endian bytes). */
export function pushNumber(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad script number ${value}`);
  if (value === 0) return Uint8Array.of(OP[0]);
  if (value <= 16) return Uint8Array.of(OP[1] + value - 1);
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.push(v % 256);
  if ((bytes[bytes.length - 1]! & 0x80) !== 0) bytes.push(0);
  return pushData(Uint8Array.from(bytes));
}

/**
 * DESIGN.md §5 funding script:
 * OP_IF <H> OP_CHECKSIGVERIFY OP_ELSE <T> OP_CHECKLOCKTIMEVERIFY OP_DROP OP_ENDIF <P> OP_CHECKSIG
 */
export function channelWitnessScript(
  payerPubkey: Uint8Array,
  hubPubkey: Uint8Array,
  refundLocktime: number,
): Uint8Array {
  return concatBytes(
    Uint8Array.of(OP.IF),
    pushData(hubPubkey),
    Uint8Array.of(OP.CHECKSIGVERIFY, OP.ELSE),
    pushNumber(refundLocktime),
    Uint8Array.of(OP.CHECKLOCKTIMEVERIFY, OP.DROP, OP.ENDIF),
    pushData(payerPubkey),
    Uint8Array.of(OP.CHECKSIG),
  );
}

/** P2WSH output script of a witness script: OP_0 <sha256(script)>. */
export const p2wsh = (witnessScript: Uint8Array): Uint8Array =>
  concatBytes(Uint8Array.of(OP[0], 32), sha256(witnessScript));

/** P2WPKH output script of a compressed public key: OP_0 <hash160(pubkey)>. */
export const p2wpkh = (pubkey: Uint8Array): Uint8Array =>
  concatBytes(Uint8Array.of(OP[0], 20), hash160(pubkey));

/** The segwit program kinds the hub pays to: every one relays as standard. */
export type StandardKind = "p2wpkh" | "p2wsh" | "p2tr";

/** Which standard segwit output a script is, or null. */
export function standardKind(script: Uint8Array): StandardKind | null {
  if (script.length === 22 && script[0] === OP[0] && script[1] === 20) return "p2wpkh";
  if (script.length === 34 && script[0] === OP[0] && script[1] === 32) return "p2wsh";
  if (script.length === 34 && script[0] === OP[1] && script[1] === 32) return "p2tr";
  return null;
}

/** BIP 173/350 human-readable part for a network (Bitcoin Core's regtest: bcrt). */
export const SEGWIT_HRP: Record<Network, string> = {
  mainnet: "bc",
  testnet: "tb",
  signet: "tb",
  regtest: "bcrt",
};

/** The address of a standard segwit script, bech32 for v0 and bech32m for v1. */
export function segwitAddress(script: Uint8Array, network: Network, hrp = SEGWIT_HRP[network]): string {
  const kind = standardKind(script);
  if (kind === null) throw new Error("not a standard segwit script");
  const version = kind === "p2tr" ? 1 : 0;
  const words = [version, ...bech32.toWords(script.slice(2))];
  return version === 0 ? bech32.encode(hrp, words) : bech32m.encode(hrp, words);
}

/** The output script of a segwit address for the network, or null when it is not one. */
export function scriptFromAddress(address: string, network: Network): Uint8Array | null {
  const lower = address.toLowerCase();
  if (address !== lower && address !== address.toUpperCase()) return null;
  for (const coder of [bech32, bech32m]) {
    try {
      const { prefix, words } = coder.decode(lower as `${string}1${string}`, 90);
      if (prefix !== SEGWIT_HRP[network]) return null;
      const [version, ...rest] = words;
      if (version === undefined || (version === 0) !== (coder === bech32)) continue;
      const program = bech32.fromWords(rest);
      const script = concatBytes(
        Uint8Array.of(version === 0 ? OP[0] : OP[1] + version - 1, program.length),
        program,
      );
      return standardKind(script) ? script : null;
    } catch {}
  }
  return null;
}

/** True for a 33-byte compressed public key that is a point on the curve. */
export function isCompressedPubkey(bytes: Uint8Array): boolean {
  if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return false;
  return secp.utils.isValidPublicKey(bytes, true);
}
