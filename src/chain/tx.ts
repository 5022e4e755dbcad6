/** Segwit transactions: serialization, txid, weight, and the BIP 143 signature hash. */
import { bytesToHex } from "../crypto";
import { ByteWriter, bytesToTxid, dsha256, txidToBytes } from "./encoding";

export interface TxInput {
  /** As nodes show it (big-endian hex). */
  readonly txid: string;
  readonly vout: number;
  readonly sequence: number;
  readonly scriptSig?: Uint8Array;
  readonly witness?: readonly Uint8Array[];
}

export interface TxOutput {
  readonly valueSat: bigint;
  readonly script: Uint8Array;
}

export interface Tx {
  readonly version: number;
  readonly locktime: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
}

export const SIGHASH = {
  ALL: 0x01,
  NONE: 0x02,
  SINGLE: 0x03,
  ANYONECANPAY: 0x80,
} as const;

const ZERO32: Uint8Array = new Uint8Array(32);

const outpoint = (w: ByteWriter, input: TxInput) => w.raw(txidToBytes(input.txid)).u32le(input.vout);
const output = (w: ByteWriter, out: TxOutput) => w.u64le(out.valueSat).varBytes(out.script);

/** Serializes a transaction; with witnesses (BIP 144) when any input has one and `withWitness`. */
export function serializeTx(tx: Tx, withWitness = true): Uint8Array {
  const segwit = withWitness && tx.inputs.some((i) => (i.witness?.length ?? 0) > 0);
  const w = new ByteWriter().u32le(tx.version);
  if (segwit) w.u8(0x00).u8(0x01);
  w.varint(tx.inputs.length);
  for (const input of tx.inputs) {
    outpoint(w, input)
      .varBytes(input.scriptSig ?? new Uint8Array())
      .u32le(input.sequence);
  }
  w.varint(tx.outputs.length);
  for (const out of tx.outputs) output(w, out);
  if (segwit) {
    for (const input of tx.inputs) {
      const stack = input.witness ?? [];
      w.varint(stack.length);
      for (const item of stack) w.varBytes(item);
    }
  }
  return w.u32le(tx.locktime).bytes();
}

/** Raw transaction hex, as sendrawtransaction takes it. */
export const txHex = (tx: Tx): string => bytesToHex(serializeTx(tx));

/** The txid (hash of the serialization without witnesses), big-endian hex. */
export const txid = (tx: Tx): string => bytesToTxid(dsha256(serializeTx(tx, false)));

/** Virtual size in vbytes: ceil(weight / 4), weight = 3 × base size + total size. */
export function vsize(tx: Tx): number {
  const base = serializeTx(tx, false).length;
  const total = serializeTx(tx, true).length;
  return Math.ceil((base * 3 + total) / 4);
}

/** The whole-transaction hashes BIP 143 reuses across inputs (its fix for quadratic hashing). */
export interface Bip143Hashes {
  readonly prevouts: Uint8Array;
  readonly sequences: Uint8Array;
  readonly outputs: Uint8Array;
}

/** Computes the reusable BIP 143 hashes of a transaction once, for signing many of its inputs. */
export function bip143Hashes(tx: Tx): Bip143Hashes {
  return {
    prevouts: dsha256(tx.inputs.reduce((w, i) => outpoint(w, i), new ByteWriter()).bytes()),
    sequences: dsha256(tx.inputs.reduce((w, i) => w.u32le(i.sequence), new ByteWriter()).bytes()),
    outputs: dsha256(tx.outputs.reduce((w, o) => output(w, o), new ByteWriter()).bytes()),
  };
}

/**
 * BIP 143 signature hash of input `index` spending a segwit v0 output worth `amountSat` with
 * `scriptCode` (for P2WSH: the witness script), for any sighash type. Pass `hashes` (from
 * bip143Hashes of the same tx) when signing many inputs, so each costs O(1) hashing, not O(n).
 */
export function bip143Sighash(
  tx: Tx,
  index: number,
  scriptCode: Uint8Array,
  amountSat: bigint,
  sighashType: number,
  hashes?: Bip143Hashes,
): Uint8Array {
  const input = tx.inputs[index];
  if (!input) throw new RangeError(`no input ${index}`);
  const anyoneCanPay = (sighashType & SIGHASH.ANYONECANPAY) !== 0;
  const base = sighashType & 0x1f;
  const whole = () => hashes ?? bip143Hashes(tx);

  const hashPrevouts = anyoneCanPay ? ZERO32 : whole().prevouts;
  const hashSequence =
    anyoneCanPay || base === SIGHASH.SINGLE || base === SIGHASH.NONE ? ZERO32 : whole().sequences;
  let hashOutputs: Uint8Array = ZERO32;
  if (base !== SIGHASH.SINGLE && base !== SIGHASH.NONE) {
    hashOutputs = whole().outputs;
  } else if (base === SIGHASH.SINGLE && index < tx.outputs.length) {
    // BIP 143: SINGLE commits to the output at the input's index only; past the last output, to nothing.
    hashOutputs = dsha256(output(new ByteWriter(), tx.outputs[index]!).bytes());
  }

  const preimage = new ByteWriter().u32le(tx.version).raw(hashPrevouts).raw(hashSequence);
  outpoint(preimage, input)
    .varBytes(scriptCode)
    .u64le(amountSat)
    .u32le(input.sequence)
    .raw(hashOutputs)
    .u32le(tx.locktime)
    .u32le(sighashType);
  return dsha256(preimage.bytes());
}

/** Reads one transaction at `start`; returns it and where it ends. Throws on malformed bytes. */
function readTx(bytes: Uint8Array, start: number): { tx: Tx; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = start;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new Error("transaction truncated");
    at += n;
    return at - n;
  };
  const u8 = () => bytes[need(1)]!;
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => view.getBigUint64(need(8), true);
  const varint = () => {
    const first = u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) return view.getUint16(need(2), true);
    if (first === 0xfe) return u32();
    return Number(u64());
  };
  const take = (n: number) => {
    const start = need(n);
    return bytes.slice(start, start + n);
  };
  const version = u32();
  let segwit = false;
  if (bytes[at] === 0 && bytes[at + 1] === 1) {
    segwit = true;
    at += 2;
  }
  const inputs: TxInput[] = Array.from({ length: varint() }, () => ({
    txid: bytesToTxid(take(32)),
    vout: u32(),
    scriptSig: take(varint()),
    sequence: u32(),
  }));
  const outputs: TxOutput[] = Array.from({ length: varint() }, () => ({
    valueSat: u64(),
    script: take(varint()),
  }));
  const withWitness = segwit
    ? inputs.map((input) => ({ ...input, witness: Array.from({ length: varint() }, () => take(varint())) }))
    : inputs;
  const locktime = u32();
  return { tx: { version, locktime, inputs: withWitness, outputs }, end: at };
}

/** Parses a serialized transaction (with or without witnesses); throws on malformed bytes. */
export function parseTx(bytes: Uint8Array): Tx {
  const { tx, end } = readTx(bytes, 0);
  if (end !== bytes.length) throw new Error("trailing bytes after transaction");
  return tx;
}

/** The transactions of a serialized block (80-byte header, then a count); throws on malformed bytes. */
export function parseBlockTxs(bytes: Uint8Array): Tx[] {
  if (bytes.length < 85) throw new Error("block truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = bytes[80]!;
  let at = 81;
  let count = first;
  if (first === 0xfd) [count, at] = [view.getUint16(81, true), 83];
  else if (first === 0xfe) [count, at] = [view.getUint32(81, true), 85];
  else if (first === 0xff) throw new Error("block claims too many transactions");
  const txs: Tx[] = [];
  for (let i = 0; i < count; i++) {
    const read = readTx(bytes, at);
    txs.push(read.tx);
    at = read.end;
  }
  if (at !== bytes.length) throw new Error("trailing bytes after block");
  return txs;
}
