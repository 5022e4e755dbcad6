import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { bytesToTxid } from "../src/chain/encoding";
import {
  buildRefundTx,
  closingInputSequence,
  closingSighash,
  closingSighashType,
  closingTemplate,
  DUST_LIMIT_SAT,
  MAX_CHANNEL_SEQ,
  fundingScriptOf,
  SIGHASH_NONE_ACP,
  SIGHASH_SINGLE_ACP,
  witnessScriptOf,
} from "../src/chain/channel";
import {
  channelWitnessScript,
  isCompressedPubkey,
  p2wpkh,
  pushNumber,
  scriptFromAddress,
  segwitAddress,
  standardKind,
} from "../src/chain/script";
import { compactToDer, derToCompact, payerMessageHash, signDer, verifyDerLowS } from "../src/chain/signature";
import { bip143Sighash, serializeTx, type Tx, txHex } from "../src/chain/tx";
import bip143 from "./vectors/bip143.json";

type VectorTx = (typeof bip143)["six_of_six"]["tx"];
const toTx = (v: VectorTx, witness?: Uint8Array[], scriptSig?: Uint8Array): Tx => ({
  version: v.version,
  locktime: v.locktime,
  inputs: v.inputs.map((i, n) => ({
    txid: bytesToTxid(hexToBytes(i.outpoint_le)),
    vout: i.vout,
    sequence: i.sequence,
    ...(n === 0 && witness ? { witness } : {}),
    ...(n === 0 && scriptSig ? { scriptSig } : {}),
  })),
  outputs: v.outputs.map((o) => ({ valueSat: BigInt(o.value_sat), script: hexToBytes(o.script) })),
});

describe("BIP 143 vectors", () => {
  const six = bip143.six_of_six;
  it.each(Object.entries(six.sighashes))("6-of-6 P2SH-P2WSH: sighash type %s", (type, expected) => {
    const hash = bip143Sighash(
      toTx(six.tx),
      six.index,
      hexToBytes(six.script_code),
      BigInt(six.amount_sat),
      Number(type),
    );
    expect(bytesToHex(hash)).toBe(expected);
  });

  it("6-of-6: serializing the signed transaction reproduces the BIP byte for byte", () => {
    const witness = [...six.signed_witness.map((h) => hexToBytes(h)), hexToBytes(six.script_code)];
    expect(txHex(toTx(six.tx, witness, hexToBytes(six.script_sig)))).toBe(six.signed_tx);
  });

  it.each(bip143.single_anyonecanpay.cases.map((c) => [c.index, c] as const))(
    "native P2WSH SINGLE|ANYONECANPAY, input %i",
    (_i, c) => {
      const v = bip143.single_anyonecanpay;
      const hash = bip143Sighash(toTx(v.tx), c.index, hexToBytes(c.script_code), BigInt(v.amount_sat), 0x83);
      expect(bytesToHex(hash)).toBe(c.sighash);
    },
  );

  it("SIGHASH_SINGLE past the last output commits to no output (the blank-cheque case)", () => {
    const v = bip143.single_out_of_range;
    const hash = bip143Sighash(toTx(v.tx), v.index, hexToBytes(v.script_code), BigInt(v.amount_sat), 0x03);
    expect(bytesToHex(hash)).toBe(v.sighash);
  });
});

describe("scripts and addresses", () => {
  const G = hexToBytes("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");

  it("encodes P2WPKH addresses as BIP 173 does, per network", () => {
    expect(segwitAddress(p2wpkh(G), "mainnet")).toBe("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    expect(segwitAddress(p2wpkh(G), "testnet")).toBe("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx");
    expect(scriptFromAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "mainnet")).toEqual(p2wpkh(G));
    expect(scriptFromAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "regtest")).toBeNull();
  });

  it("builds the DESIGN.md §5 witness script opcode by opcode", () => {
    const P = secp.getPublicKey(hexToBytes("11".repeat(32)), true);
    const H = secp.getPublicKey(hexToBytes("22".repeat(32)), true);
    const script = channelWitnessScript(P, H, 1000);
    const expected = `63 21${bytesToHex(H)} ad 67 02e803 b1 75 68 21${bytesToHex(P)} ac`.replace(/ /g, "");
    expect(bytesToHex(script)).toBe(expected);
  });

  it.each([
    [0, "00"],
    [1, "51"],
    [16, "60"],
    [17, "0111"],
    [127, "017f"],
    [128, "028000"],
    [500_000, "0320a107"],
  ])("pushes locktime %i minimally as %s", (n, hex) => {
    expect(bytesToHex(pushNumber(n))).toBe(hex);
  });

  it("recognises only standard segwit outputs", () => {
    expect(standardKind(hexToBytes(`0014${"ab".repeat(20)}`))).toBe("p2wpkh");
    expect(standardKind(hexToBytes(`0020${"ab".repeat(32)}`))).toBe("p2wsh");
    expect(standardKind(hexToBytes(`5120${"ab".repeat(32)}`))).toBe("p2tr");
    expect(standardKind(hexToBytes(`76a914${"ab".repeat(20)}88ac`))).toBeNull();
    expect(standardKind(hexToBytes(`0015${"ab".repeat(21)}`))).toBeNull();
  });

  it("accepts only compressed points on the curve", () => {
    expect(isCompressedPubkey(G)).toBe(true);
    expect(isCompressedPubkey(hexToBytes(`04${"00".repeat(64)}`))).toBe(false);
    expect(isCompressedPubkey(hexToBytes(`02${"ff".repeat(32)}`))).toBe(false);
    expect(isCompressedPubkey(hexToBytes(`05${bytesToHex(G).slice(2)}`))).toBe(false);
  });
});

describe("signatures", () => {
  const key = hexToBytes("33".repeat(32));
  const pub = secp.getPublicKey(key, true);
  const hash = payerMessageHash("close", "ch_x");

  it("verifies a low-S DER signature and rejects its high-S twin", () => {
    const der = signDer(hash, key);
    expect(verifyDerLowS(der, hash, pub)).toBe(true);
    const sig = secp.Signature.fromBytes(derToCompact(der)!);
    const highS = compactToDer(new secp.Signature(sig.r, secp.Point.CURVE().n - sig.s).toBytes());
    expect(secp.verify(derToCompact(highS)!, hash, pub, { prehash: false, lowS: false })).toBe(true);
    expect(verifyDerLowS(highS, hash, pub)).toBe(false);
  });

  it("round-trips the BIP 143 vector signatures through strict DER", () => {
    for (const hex of bip143.six_of_six.signed_witness.slice(1)) {
      const der = hexToBytes(hex).slice(0, -1);
      expect(bytesToHex(compactToDer(derToCompact(der)!))).toBe(bytesToHex(der));
    }
  });

  it.each([
    ["negative r", `30440220${"80".repeat(32)}0220${"11".repeat(32)}`],
    ["needless zero padding", `3045022100${"11".repeat(32)}0220${"11".repeat(32)}`],
    ["wrong total length", `30450220${"11".repeat(32)}0220${"11".repeat(32)}`],
    ["not a sequence", `31440220${"11".repeat(32)}0220${"11".repeat(32)}`],
  ])("refuses non-strict DER: %s", (_name, hex) => {
    expect(derToCompact(hexToBytes(hex))).toBeNull();
  });

  it("rejects malformed DER, another key, and another message", () => {
    const der = signDer(hash, key);
    expect(verifyDerLowS(der.slice(0, -1), hash, pub)).toBe(false);
    expect(verifyDerLowS(der, payerMessageHash("close", "ch_y"), pub)).toBe(false);
    expect(verifyDerLowS(der, hash, secp.getPublicKey(hexToBytes("44".repeat(32)), true))).toBe(false);
  });
});

describe("closing template (DESIGN.md §5)", () => {
  const channel = {
    payerPubkey: secp.getPublicKey(hexToBytes("11".repeat(32)), true),
    hubPubkey: secp.getPublicKey(hexToBytes("22".repeat(32)), true),
    refundLocktime: 2_000,
    capacitySat: 100_000n,
    refundScript: p2wpkh(secp.getPublicKey(hexToBytes("11".repeat(32)), true)),
    fundingTxid: "aa".repeat(32),
    fundingVout: 1,
  };

  const state = (seq: number, payerBalanceMsat: bigint) => ({ seq, payerBalanceMsat });

  it("pays floor(balance/1000) sat to the refund script at the input's index, signed SINGLE|ACP", () => {
    const tx = closingTemplate(channel, state(1, 50_000_999n));
    expect(tx.outputs).toEqual([{ valueSat: 50_000n, script: channel.refundScript }]);
    expect(closingSighashType(50_000_999n)).toBe(SIGHASH_SINGLE_ACP);
  });

  it.each([
    [0, 0x80000000],
    [1, 0x80000001],
    [7, 0x80000007],
    [MAX_CHANNEL_SEQ, 0xfffffffd],
  ])(
    "binds seq %i into the funding input's nSequence as 0x80000000 + seq (%i): relative lock-time off, RBF on",
    (seq, want) => {
      const sequence = closingTemplate(channel, state(seq, 50_000_000n)).inputs[0]!.sequence;
      expect(sequence).toBe(want);
      expect(closingInputSequence(seq)).toBe(want);
      expect(sequence & 0x80000000).not.toBe(0); // BIP 68 disable flag
      expect(sequence).toBeLessThan(0xfffffffe); // BIP 125 replaceable
    },
  );

  it.each([-1, MAX_CHANNEL_SEQ + 1, 1.5])("refuses seq %s: no nSequence can carry it", (seq) => {
    expect(() => closingInputSequence(seq)).toThrow(RangeError);
  });

  it("below dust the payer signs NONE|ACP over a template with no output", () => {
    const balance = DUST_LIMIT_SAT * 1000n - 1n;
    expect(closingSighashType(balance)).toBe(SIGHASH_NONE_ACP);
    expect(closingTemplate(channel, state(1, balance)).outputs).toEqual([]);
    expect(closingSighashType(DUST_LIMIT_SAT * 1000n)).toBe(SIGHASH_SINGLE_ACP);
  });

  it("a state signature binds the balance: another balance gives another hash", () => {
    expect(bytesToHex(closingSighash(channel, state(1, 60_000_000n)).hash)).not.toBe(
      bytesToHex(closingSighash(channel, state(1, 59_999_000n)).hash),
    );
  });

  it.each([
    ["SINGLE|ACP, the same whole-sat output", 60_000_500n, 60_000_100n],
    ["NONE|ACP, both below dust", 200_000n, 100_000n],
  ])("a state signature binds its seq: %s at the next seq gives another hash", (_name, first, later) => {
    const a = closingSighash(channel, state(1, first));
    const b = closingSighash(channel, state(2, later));
    expect(a.sighashType).toBe(b.sighashType);
    // Before seq was in the nSequence, these two states had one and the same hash.
    expect(bytesToHex(a.hash)).not.toBe(bytesToHex(b.hash));
  });

  it("the same state signed in a batch at another index still verifies (SINGLE|ACP ignores the index)", () => {
    const { hash } = closingSighash(channel, state(3, 60_000_000n));
    const batch: Tx = {
      version: 2,
      locktime: 0,
      inputs: [
        { txid: "bb".repeat(32), vout: 0, sequence: 0xffffffff },
        { txid: channel.fundingTxid, vout: 1, sequence: 0x80000003 },
      ],
      outputs: [
        { valueSat: 5n, script: p2wpkh(channel.hubPubkey) },
        { valueSat: 60_000n, script: channel.refundScript },
      ],
    };
    expect(
      bip143Sighash(batch, 1, witnessScriptOf(channel), channel.capacitySat, SIGHASH_SINGLE_ACP),
    ).toEqual(hash);
  });

  it("builds a refund spending the CLTV branch with nLockTime = T", () => {
    const tx = buildRefundTx(channel, channel.refundScript, 2, hexToBytes("11".repeat(32)));
    expect(tx.locktime).toBe(2_000);
    expect(tx.inputs[0]!.sequence).toBe(0xfffffffe);
    expect(tx.inputs[0]!.witness![1]).toEqual(new Uint8Array());
    expect(tx.inputs[0]!.witness![2]).toEqual(witnessScriptOf(channel));
    expect(tx.outputs[0]!.valueSat).toBeLessThan(100_000n);
    expect(tx.outputs[0]!.valueSat).toBeGreaterThan(99_500n);
    expect(fundingScriptOf(channel).length).toBe(34);
    expect(serializeTx(tx).length).toBeGreaterThan(serializeTx(tx, false).length);
  });
});
