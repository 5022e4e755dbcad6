/**
 * Settlement transactions from plans (DESIGN.md §8 step 3): lay out, sign, and fee-bump. Pure.
 *
 * Channel inputs carry the cooperative witness `<sig_P> <sig_H> 0x01 <script>` (DESIGN.md §5):
 * the payer's stored SINGLE|ACP or NONE|ACP signature and the SIGHASH_ALL signature, over this
 * exact transaction, of that channel's own hub key (`channel/<channel_id>`, docs/keys.md). Hub wallet inputs are P2WPKH, SIGHASH_ALL.
 */
import { hash160 } from "../chain/encoding";
import { signDer } from "../chain/signature";
import { bip143Hashes, bip143Sighash, SIGHASH, type Tx, txHex, txid, vsize } from "../chain/tx";
import { bytesToHex, concatBytes, hexToBytes } from "../crypto";
import type { KeyPair } from "../keys/derive";
import type { PlannedTx } from "./settlement";

/** BIP 143 scriptCode of a P2WPKH output: the P2PKH script of the key hash. */
export const p2wpkhScriptCode = (pubkey: Uint8Array) =>
  concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), hash160(pubkey), Uint8Array.of(0x88, 0xac));

/**
 * The unsigned transaction of a plan: version 2 and locktime 0, as the payers signed, each input
 * with the nSequence its plan fixed (a channel's: 0x80000000 + its state's seq; every one of them
 * signals replaceability, so the hub can bump the fee).
 */
export function unsignedTx(plan: PlannedTx): Tx {
  return {
    version: 2,
    locktime: 0,
    inputs: plan.inputs.map((i) => ({ txid: i.txid, vout: i.vout, sequence: i.sequence })),
    outputs: plan.outputs.map((o) => ({ valueSat: o.valueSat, script: hexToBytes(o.script) })),
  };
}

export interface SigningKeys {
  /** The hub's own key in one channel's script (DESIGN.md §5: one per channel). */
  channel(channelId: string): KeyPair;
  /** The hub wallet's key (P2WPKH). */
  readonly wallet: KeyPair;
}

/** The channel's key; a witness script that names another key `H` is a broken invariant. */
function channelKey(keys: SigningKeys, channelId: string, witnessScript: Uint8Array): KeyPair {
  const key = keys.channel(channelId);
  // The script opens OP_IF <33-byte push of H> (chain/script.ts channelWitnessScript).
  if (bytesToHex(witnessScript.subarray(2, 35)) !== bytesToHex(key.publicKey))
    throw new Error(`channel ${channelId}'s script does not name its own hub key`);
  return key;
}

export interface SignedTx {
  readonly txid: string;
  readonly rawHex: string;
  readonly vsize: number;
}

/** Signs every input of a planned transaction; the size never exceeds what the plan paid for. */
export function signPlannedTx(plan: PlannedTx, keys: SigningKeys): SignedTx {
  const unsigned = unsignedTx(plan);
  const hashes = bip143Hashes(unsigned);
  const walletCode = p2wpkhScriptCode(keys.wallet.publicKey);
  const withSig = (hash: Uint8Array, secret: Uint8Array) =>
    concatBytes(signDer(hash, secret), Uint8Array.of(SIGHASH.ALL));
  const inputs = unsigned.inputs.map((input, index) => {
    const planned = plan.inputs[index]!;
    if (planned.kind === "hub") {
      const hash = bip143Sighash(unsigned, index, walletCode, planned.valueSat, SIGHASH.ALL, hashes);
      return { ...input, witness: [withSig(hash, keys.wallet.secretKey), keys.wallet.publicKey] };
    }
    const script = hexToBytes(planned.witnessScript);
    const hash = bip143Sighash(unsigned, index, script, planned.valueSat, SIGHASH.ALL, hashes);
    const payerSig = concatBytes(hexToBytes(planned.payerSignature), Uint8Array.of(planned.sighashType));
    const hubSecret = channelKey(keys, planned.channelId, script).secretKey;
    return { ...input, witness: [payerSig, withSig(hash, hubSecret), Uint8Array.of(1), script] };
  });
  const signed: Tx = { ...unsigned, inputs };
  const size = vsize(signed);
  if (size > plan.vsize) throw new Error(`signed vsize ${size} exceeds the planned ${plan.vsize}`);
  return { txid: txid(signed), rawHex: txHex(signed), vsize: size };
}

/**
 * The next fee for a stuck transaction (BIP 125): at least the old fee plus its own size at the
 * 1 sat/vB incremental relay rate, at least `targetRateSatPerVb`, and half again the old rate.
 */
export function bumpedFeeSat(plan: PlannedTx, targetRateSatPerVb: number): bigint {
  const size = BigInt(plan.vsize);
  const byRule = plan.feeSat + size;
  const byTarget = size * BigInt(targetRateSatPerVb);
  const byStep = (plan.feeSat * 3n + 1n) / 2n;
  return [byRule, byTarget, byStep].reduce((a, b) => (a > b ? a : b));
}

/**
 * The same transaction paying `feeSat`: only the hub's change (the last output) shrinks, so every
 * payer output and payout keeps its index and value. Null when the change cannot cover it.
 */
export function withFee(plan: PlannedTx, feeSat: bigint, dustSat: bigint): PlannedTx | null {
  const last = plan.outputs[plan.outputs.length - 1];
  if (last?.kind !== "change") throw new Error("a settlement transaction ends with its change");
  const changeSat = last.valueSat - (feeSat - plan.feeSat);
  if (changeSat < dustSat) return null;
  return {
    ...plan,
    outputs: [...plan.outputs.slice(0, -1), { ...last, valueSat: changeSat }],
    feeSat,
    feeRateSatPerVb: Number((feeSat + BigInt(plan.vsize) - 1n) / BigInt(plan.vsize)),
  };
}
