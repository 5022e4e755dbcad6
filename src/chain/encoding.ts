/** Bitcoin wire encoding: little-endian integers, CompactSize, hashes. */
import { ripemd160 } from "@noble/hashes/legacy.js";
import { bytesToHex, concatBytes, hexToBytes, sha256 } from "../crypto";

/** Double SHA-256, Bitcoin's txid and sighash hash. */
export const dsha256 = (data: Uint8Array): Uint8Array => sha256(sha256(data));

/** RIPEMD-160 of SHA-256: key and script hashes in P2PKH/P2WPKH. */
export const hash160 = (data: Uint8Array): Uint8Array => ripemd160(sha256(data));

/** Byte order reversed: txids are shown big-endian but serialized little-endian. */
export const reversed = (bytes: Uint8Array): Uint8Array => Uint8Array.from(bytes).reverse();

/** A txid as shown by nodes (hex, big-endian) to its serialized bytes. */
export const txidToBytes = (txid: string): Uint8Array => reversed(hexToBytes(txid));

/** Serialized txid bytes to the hex nodes show. */
export const bytesToTxid = (bytes: Uint8Array): string => bytesToHex(reversed(bytes));

/** Appends Bitcoin-encoded values; `bytes()` returns the result. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  u8(value: number): this {
    this.parts.push(Uint8Array.of(value & 0xff));
    return this;
  }

  u32le(value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.parts.push(b);
    return this;
  }

  u64le(value: bigint): this {
    if (value < 0n || value >= 1n << 64n) throw new RangeError(`u64 out of range: ${value}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, value, true);
    this.parts.push(b);
    return this;
  }

  /** CompactSize length prefix. */
  varint(value: number): this {
    if (value < 0xfd) return this.u8(value);
    if (value <= 0xffff) {
      const b = new Uint8Array(3);
      b[0] = 0xfd;
      new DataView(b.buffer).setUint16(1, value, true);
      this.parts.push(b);
      return this;
    }
    if (value <= 0xffffffff) return this.u8(0xfe).u32le(value);
    return this.u8(0xff).u64le(BigInt(value));
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  /** Length-prefixed bytes. */
  varBytes(bytes: Uint8Array): this {
    return this.varint(bytes.length).raw(bytes);
  }

  bytes(): Uint8Array {
    return concatBytes(...this.parts);
  }
}
