/** Channel transactions (DESIGN.md §5): the closing template the payer signs, and the CLTV refund. */
import { msatToSatFloor } from "../core/money";
import { concatBytes } from "../crypto";
import { channelWitnessScript, p2wsh } from "./script";
import { signDer } from "./signature";
import { bip143Sighash, SIGHASH, type Tx, vsize } from "./tx";

/** The highest seq a state can have: 0x80000000 + seq stays ≤ 0xfffffffd (replaceable). */
export const MAX_CHANNEL_SEQ = 0x7ffffffd;

/**
 * DESIGN.md §5: a channel input's nSequence in its closing template and in every settlement
 * transaction and fee bump is `0x80000000 + seq`. Bit 31 disables BIP 68 relative lock-time, any
 * value below 0xfffffffe signals replaceability (BIP 125), and since the payer's SINGLE|ACP or
 * NONE|ACP signature covers its own input's nSequence, each signature stands for its own `seq`
 * only — never the same amount at a later seq, nor any amount under 0x82.
 */
export const closingInputSequence = (seq: number): number => {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_CHANNEL_SEQ)
    throw new RangeError(`seq must be 0…${MAX_CHANNEL_SEQ}`);
  return 0x80000000 + seq;
};

/** The refund input's nSequence: below 0xffffffff so nLockTime is enforced. */
export const REFUND_INPUT_SEQUENCE = 0xfffffffe;
/** Below this a payer output is dust (330 sat: the P2WSH/P2TR dust threshold); the payer signs NONE. */
export const DUST_LIMIT_SAT = 330n;

export const SIGHASH_SINGLE_ACP = SIGHASH.SINGLE | SIGHASH.ANYONECANPAY; // 0x83
export const SIGHASH_NONE_ACP = SIGHASH.NONE | SIGHASH.ANYONECANPAY; // 0x82

export interface ChannelTerms {
  readonly payerPubkey: Uint8Array;
  readonly hubPubkey: Uint8Array;
  readonly refundLocktime: number;
  readonly capacitySat: bigint;
  readonly refundScript: Uint8Array;
}

export interface FundedChannel extends ChannelTerms {
  readonly fundingTxid: string;
  readonly fundingVout: number;
}

/** The channel's witness script. */
export const witnessScriptOf = (t: ChannelTerms) =>
  channelWitnessScript(t.payerPubkey, t.hubPubkey, t.refundLocktime);

/** The funding output script (P2WSH of the witness script). */
export const fundingScriptOf = (t: ChannelTerms) => p2wsh(witnessScriptOf(t));

/** The sighash type a state must be signed with: SINGLE|ACP, or NONE|ACP when the payer output is dust. */
export const closingSighashType = (payerBalanceMsat: bigint): number =>
  msatToSatFloor(payerBalanceMsat) >= DUST_LIMIT_SAT ? SIGHASH_SINGLE_ACP : SIGHASH_NONE_ACP;

/** A channel state (DESIGN.md §5): `seq` and the payer's balance. */
export interface ChannelState {
  readonly seq: number;
  readonly payerBalanceMsat: bigint;
}

/** The closing template for a state: the funding input at index 0 with its payer output at index 0. */
export function closingTemplate(c: FundedChannel, state: ChannelState): Tx {
  const payerSat = msatToSatFloor(state.payerBalanceMsat);
  return {
    version: 2,
    locktime: 0,
    inputs: [{ txid: c.fundingTxid, vout: c.fundingVout, sequence: closingInputSequence(state.seq) }],
    outputs: payerSat >= DUST_LIMIT_SAT ? [{ valueSat: payerSat, script: c.refundScript }] : [],
  };
}

/** The BIP 143 hash the payer signs for a state, with the sighash type it must carry. */
export function closingSighash(
  c: FundedChannel,
  state: ChannelState,
): { hash: Uint8Array; sighashType: number } {
  const sighashType = closingSighashType(state.payerBalanceMsat);
  const hash = bip143Sighash(closingTemplate(c, state), 0, witnessScriptOf(c), c.capacitySat, sighashType);
  return { hash, sighashType };
}

/** The payer's DER signature of a state (the SDK signs with this). */
export function signClosingState(c: FundedChannel, state: ChannelState, payerSecretKey: Uint8Array) {
  const { hash, sighashType } = closingSighash(c, state);
  return { signature: signDer(hash, payerSecretKey), sighashType };
}

/**
 * The payer's unilateral refund after `refund_locktime` (hub gone): spends the funding output by
 * the CLTV branch, witness `<sig_P> <> <script>`, nLockTime = T, paying everything less the fee.
 */
export function buildRefundTx(
  c: FundedChannel,
  destinationScript: Uint8Array,
  feeRateSatPerVb: number,
  payerSecretKey: Uint8Array,
): Tx {
  const script = witnessScriptOf(c);
  const draft = (valueSat: bigint, witness: Uint8Array[]): Tx => ({
    version: 2,
    locktime: c.refundLocktime,
    inputs: [{ txid: c.fundingTxid, vout: c.fundingVout, sequence: REFUND_INPUT_SEQUENCE, witness }],
    outputs: [{ valueSat, script: destinationScript }],
  });
  // Size with a maximal 73-byte signature, so the fee never falls short.
  const feeSat = BigInt(
    Math.ceil(vsize(draft(c.capacitySat, [new Uint8Array(73), new Uint8Array(), script])) * feeRateSatPerVb),
  );
  const valueSat = c.capacitySat - feeSat;
  if (valueSat < DUST_LIMIT_SAT) throw new Error("channel too small to refund at this fee rate");
  const unsigned = draft(valueSat, []);
  const hash = bip143Sighash(unsigned, 0, script, c.capacitySat, SIGHASH.ALL);
  const signature = concatBytes(signDer(hash, payerSecretKey), Uint8Array.of(SIGHASH.ALL));
  return draft(valueSat, [signature, new Uint8Array(), script]);
}
