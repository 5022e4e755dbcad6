import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type FundedChannel,
  SIGHASH_NONE_ACP,
  SIGHASH_SINGLE_ACP,
  signClosingState,
  witnessScriptOf,
} from "../src/chain/channel";
import { p2wpkh } from "../src/chain/script";
import { derToCompact } from "../src/chain/signature";
import { bip143Sighash, parseTx, SIGHASH } from "../src/chain/tx";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { deriveHubKeys } from "../src/keys/derive";
import { bumpedFeeSat, p2wpkhScriptCode, signPlannedTx, unsignedTx, withFee } from "../src/settlement/build";
import {
  anchorScript,
  type Leaf,
  leafNode,
  leafSalt,
  merkleSumProof,
  merkleSumRoot,
  parseAnchor,
  rootFromProof,
} from "../src/settlement/merkle";
import { type PlanInput, planSettlement } from "../src/settlement/plan";
import type { CloseCandidate, HubCoin, PayoutCandidate } from "../src/settlement/settlement";

const keys = deriveHubKeys(new Uint8Array(32).fill(7));
const changeScript = bytesToHex(p2wpkh(keys.wallet.publicKey));
const LIMITS = { maxTxWeight: 400_000, dustSat: 330n, maxHubInputsPerTx: 20 };

let counter = 0;
const fakeTxid = () => (++counter).toString(16).padStart(64, "0");

/** A funded channel (with its own hub key) and the payer's real signature of state (seq, balance). */
function closeCandidate(
  capacitySat: bigint,
  payerBalanceMsat: bigint,
  reason: CloseCandidate["reason"] = "requested",
  seq = 1,
) {
  const payerSecret = secp.utils.randomSecretKey();
  const payerPubkey = secp.getPublicKey(payerSecret, true);
  const fundingTxid = fakeTxid();
  const channelId = `ch_${counter.toString().padStart(26, "0")}`;
  const channel: FundedChannel = {
    payerPubkey,
    hubPubkey: keys.channel(channelId).publicKey,
    refundLocktime: 900,
    capacitySat,
    refundScript: p2wpkh(payerPubkey),
    fundingTxid,
    fundingVout: 1,
  };
  const { signature, sighashType } = signClosingState(channel, { seq, payerBalanceMsat }, payerSecret);
  const candidate: CloseCandidate = {
    channelId,
    fundingTxid: channel.fundingTxid,
    fundingVout: channel.fundingVout,
    capacitySat,
    witnessScript: bytesToHex(witnessScriptOf(channel)),
    refundScript: bytesToHex(channel.refundScript),
    seq,
    payerBalanceMsat,
    sighashType,
    signature: bytesToHex(signature),
    reason,
  };
  return { candidate, payerPubkey };
}

const merchantPayout = (id: string, availableMsat: bigint): PayoutCandidate => ({
  kind: "merchant",
  ownerId: id,
  script: bytesToHex(p2wpkh(secp.getPublicKey(secp.utils.randomSecretKey(), true))),
  availableMsat,
});

const coin = (valueSat: bigint): HubCoin => ({ txid: fakeTxid(), vout: 0, valueSat });

/** A snapshot whose liabilities are what its payouts and closes say (unless given). */
function baseInput(over: Partial<PlanInput> = {}): PlanInput {
  const closes = over.closes ?? [];
  const payouts = over.payouts ?? [];
  const liabilities = over.liabilities ?? [
    ...closes.map((c) => ({ owner: `channel:${c.channelId}`, balanceMsat: c.payerBalanceMsat })),
    ...payouts.map((p) => ({
      owner: `${p.kind === "merchant" ? "merchant" : "refund_owed"}:${p.ownerId}`,
      balanceMsat: p.availableMsat,
    })),
  ];
  return {
    settlementId: "stl_test",
    leafSaltSeed: new Uint8Array(32).fill(9),
    coins: [coin(10_000_000n)],
    hubEquityMsat: 10_000_000_000n,
    feeRateSatPerVb: 3,
    changeScript,
    limits: LIMITS,
    ...over,
    closes,
    payouts,
    liabilities,
  };
}

describe("Merkle-sum tree of liabilities", () => {
  const seed = new Uint8Array(32).fill(3);
  const unsalted = (n: number): Leaf[] =>
    Array.from({ length: n }, (_, i) => ({ owner: `merchant:m${i}`, balanceMsat: BigInt(1_000 * (i + 1)) }));
  const leaves = (n: number): Leaf[] => unsalted(n).map((l) => ({ ...l, salt: leafSalt(seed, l.owner) }));

  it("commits to the total: the root's sum is the sum of every leaf, for 0 to 9 leaves", () => {
    for (let n = 0; n < 10; n++) {
      const root = merkleSumRoot("stl_a", leaves(n));
      expect(root.sum).toBe(BigInt((1_000 * n * (n + 1)) / 2));
    }
  });

  it("every leaf's proof recomputes the root; a changed balance, sibling or settlement does not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.boolean(), (n, pick, salted) => {
        const all = salted ? leaves(n) : unsalted(n);
        const root = merkleSumRoot("stl_a", all);
        const owner = all[pick % n]!.owner;
        const proof = merkleSumProof("stl_a", all, owner)!;
        const again = rootFromProof("stl_a", proof.leaf, proof.steps);
        expect(bytesToHex(again.hash)).toBe(bytesToHex(root.hash));
        expect(again.sum).toBe(root.sum);
        const lied = rootFromProof(
          "stl_a",
          { ...proof.leaf, balanceMsat: proof.leaf.balanceMsat - 1n },
          proof.steps,
        );
        expect(bytesToHex(lied.hash)).not.toBe(bytesToHex(root.hash));
        expect(bytesToHex(rootFromProof("stl_b", proof.leaf, proof.steps).hash)).not.toBe(
          bytesToHex(root.hash),
        );
        if (proof.steps.length > 0) {
          const steps = proof.steps.map((s, i) => (i === 0 ? { ...s, sum: s.sum + 1n } : s));
          expect(bytesToHex(rootFromProof("stl_a", proof.leaf, steps).hash)).not.toBe(bytesToHex(root.hash));
        }
      }),
    );
  });

  it("orders leaves the same whatever the input order", () => {
    for (const all of [leaves(7), unsalted(7)]) {
      expect(bytesToHex(merkleSumRoot("s", [...all].reverse()).hash)).toBe(
        bytesToHex(merkleSumRoot("s", all).hash),
      );
    }
  });

  it("a proof names only its owner: siblings are salted hashes in an order unrelated to owners", () => {
    const all = leaves(16);
    const positions = all.map((l) => merkleSumProof("stl_a", all, l.owner)!.index);
    // Ordered by salted hash, not by owner (for this seed: a fixed, non-identity permutation).
    expect(positions).not.toEqual(all.map((_, i) => i));
    for (const leaf of all) {
      const proof = merkleSumProof("stl_a", all, leaf.owner)!;
      const sibling = proof.steps[0]!;
      const neighbour = all.find((l) => bytesToHex(leafNode("stl_a", l).hash) === bytesToHex(sibling.hash))!;
      // Guessing the neighbour (owner and the balance its sum shows) confirms nothing without its salt.
      const guessed = [
        { owner: neighbour.owner, balanceMsat: sibling.sum },
        {
          owner: neighbour.owner,
          balanceMsat: sibling.sum,
          salt: leafSalt(new Uint8Array(32), neighbour.owner),
        },
      ];
      for (const guess of guessed) {
        expect(bytesToHex(leafNode("stl_a", guess).hash)).not.toBe(bytesToHex(sibling.hash));
      }
      // The salt is committed: a proof with another salt does not lead to the root.
      const root = merkleSumRoot("stl_a", all);
      const wrongSalt = { ...proof.leaf, salt: leafSalt(seed, `${leaf.owner}x`) };
      expect(bytesToHex(rootFromProof("stl_a", wrongSalt, proof.steps).hash)).not.toBe(bytesToHex(root.hash));
      expect(bytesToHex(rootFromProof("stl_a", proof.leaf, proof.steps).hash)).toBe(bytesToHex(root.hash));
    }
  });

  it("settlements anchored before salting keep their format (unsalted, by owner); one tree never mixes", () => {
    const old = unsalted(5);
    expect(old.map((l) => merkleSumProof("s", old, l.owner)!.index)).toEqual([0, 1, 2, 3, 4]);
    for (const l of old) {
      const proof = merkleSumProof("s", old, l.owner)!;
      expect(bytesToHex(rootFromProof("s", proof.leaf, proof.steps).hash)).toBe(
        bytesToHex(merkleSumRoot("s", old).hash),
      );
    }
    expect(() => merkleSumRoot("s", [...old, leaves(6)[5]!])).toThrow(/salted/);
  });

  it("the OP_RETURN is 'SLC1' ‖ root ‖ total (u64 big-endian) and parses back; other scripts do not", () => {
    const root = merkleSumRoot("stl_a", leaves(3));
    const script = anchorScript(root);
    expect(script.length).toBe(46);
    expect(bytesToHex(script.slice(0, 6))).toBe(`6a2c${bytesToHex(new TextEncoder().encode("SLC1"))}`);
    expect(bytesToHex(script.slice(38))).toBe("0000000000001770");
    const parsed = parseAnchor(script)!;
    expect(bytesToHex(parsed.hash)).toBe(bytesToHex(root.hash));
    expect(parsed.sum).toBe(6_000n);
    expect(parseAnchor(hexToBytes(changeScript))).toBeNull();
    expect(parseAnchor(Uint8Array.from([...script.slice(0, 2), 0x58, ...script.slice(3)]))).toBeNull();
  });
});

describe("settlement plan", () => {
  it("puts SINGLE|ACP closes at the indices of their payer outputs, NONE|ACP closes after, change last", () => {
    const a = closeCandidate(100_000n, 40_000_500n);
    const b = closeCandidate(50_000n, 200_000n); // 200 sat: dust, signed NONE|ACP
    const c = closeCandidate(80_000n, 80_000_000n);
    const plan = planSettlement(
      // The payout needs more than the payers spent (110,000 sat), so a hub coin joins.
      baseInput({
        closes: [b.candidate, c.candidate, a.candidate],
        payouts: [merchantPayout("mer_1", 200_000_000n)],
      }),
    );
    expect(plan.txs).toHaveLength(1);
    const tx = plan.txs[0]!;
    const kinds = tx.inputs.map((i) => (i.kind === "channel" ? i.sighashType : i.kind));
    expect(kinds).toEqual([SIGHASH_SINGLE_ACP, SIGHASH_SINGLE_ACP, SIGHASH_NONE_ACP, "hub"]);
    for (const [vin, input] of tx.inputs.entries()) {
      if (input.kind !== "channel" || input.sighashType !== SIGHASH_SINGLE_ACP) continue;
      const out = tx.outputs[vin]!;
      expect(out).toMatchObject({ kind: "payer", channelId: input.channelId });
    }
    expect(tx.outputs.map((o) => o.kind)).toEqual(["payer", "payer", "payout", "anchor", "change"]);
    // floor(40,000,500 msat) = 40,000 sat: the payer's signed amount exactly.
    const payerOut = tx.outputs.find((o) => o.kind === "payer" && o.channelId === a.candidate.channelId)!;
    expect(payerOut.valueSat).toBe(40_000n);
    // Value is conserved: inputs = outputs + fee.
    const totalIn = tx.inputs.reduce((s, i) => s + i.valueSat, 0n);
    const totalOut = tx.outputs.reduce((s, o) => s + o.valueSat, 0n);
    expect(totalIn - totalOut).toBe(tx.feeSat);
  });

  it("pays each merchant floor(balance) − its output's vbytes × fee rate; the rest stays on its books", () => {
    const m = merchantPayout("mer_1", 5_000_123n);
    const plan = planSettlement(
      baseInput({ payouts: [m], liabilities: [{ owner: "merchant:mer_1", balanceMsat: 5_000_123n }] }),
    );
    const [payout] = plan.payouts;
    expect(payout).toMatchObject({ key: "merchant:mer_1", feeShareSat: 31n * 3n, amountSat: 5_000n - 93n });
    expect(payout!.debitMsat).toBe(5_000_000n);
    expect(plan.leaves).toEqual([
      {
        owner: "merchant:mer_1",
        balanceMsat: 123n,
        salt: leafSalt(new Uint8Array(32).fill(9), "merchant:mer_1"),
      },
    ]);
    expect(plan.totalLiabilitiesMsat).toBe(123n);
    const anchor = plan.txs[0]!.outputs.find((o) => o.kind === "anchor")!;
    expect(bytesToHex(parseAnchor(hexToBytes(anchor.script))!.hash)).toBe(bytesToHex(plan.merkleRoot));
  });

  it("skips payouts that would be dust after their fee share, and those the hub wallet cannot fund", () => {
    const tiny = merchantPayout("mer_tiny", 400_000n); // 400 sat − 93 sat share < 330
    const big = merchantPayout("mer_big", 9_000_000_000n); // 9,000,000 sat: more than the wallet holds
    const ok = merchantPayout("mer_ok", 50_000_000n);
    const plan = planSettlement(baseInput({ payouts: [tiny, big, ok], coins: [coin(1_000_000n)] }));
    expect(plan.payouts.map((p) => p.ownerId)).toEqual(["mer_ok"]);
    expect(plan.skipped).toEqual(
      expect.arrayContaining([
        { key: "merchant:mer_tiny", reason: "below_dust" },
        { key: "merchant:mer_big", reason: "insufficient_funds" },
      ]),
    );
  });

  it("closes alone fund their own fee from what the payers spent: no hub coin needed", () => {
    const a = closeCandidate(100_000n, 10_000_000n);
    const plan = planSettlement(baseInput({ closes: [a.candidate], coins: [] }));
    expect(plan.txs).toHaveLength(1);
    expect(plan.txs[0]!.inputs.every((i) => i.kind === "channel")).toBe(true);
    expect(plan.coins).toEqual([]);
  });

  it("refuses what the hub's equity cannot pay its fee share of, except closing an expiring channel", () => {
    const asked = closeCandidate(100_000n, 10_000_000n, "requested");
    const plan = planSettlement(baseInput({ closes: [asked.candidate], hubEquityMsat: 0n }));
    expect(plan.txs).toEqual([]);
    expect(plan.skipped).toEqual([
      { key: `channel:${asked.candidate.channelId}`, reason: "insufficient_equity" },
    ]);
    const expiring = closeCandidate(100_000n, 10_000_000n, "expiring");
    const urgent = planSettlement(baseInput({ closes: [expiring.candidate], hubEquityMsat: 0n }));
    expect(urgent.txs).toHaveLength(1);
    expect(urgent.txs[0]!.urgent).toBe(true);
  });

  it("splits thousands of payouts into transactions under the 400,000-weight standard limit", () => {
    const payouts = Array.from({ length: 6_000 }, (_, i) =>
      merchantPayout(`mer_${String(i).padStart(5, "0")}`, 2_000_000n),
    );
    const coins = Array.from({ length: 10 }, () => coin(5_000_000_000n));
    const plan = planSettlement(baseInput({ payouts, coins }));
    expect(plan.payouts).toHaveLength(6_000);
    expect(plan.txs.length).toBeGreaterThan(1);
    for (const tx of plan.txs) expect(tx.vsize).toBeLessThanOrEqual(100_000);
    const vouts = new Set(plan.payouts.map((p) => `${p.txIndex}:${p.vout}`));
    expect(vouts.size).toBe(6_000);
  });

  it("is deterministic: the same snapshot in any order plans the same transactions", () => {
    const closes = [
      closeCandidate(100_000n, 1_000_000n).candidate,
      closeCandidate(70_000n, 300_000n).candidate,
    ];
    const payouts = [merchantPayout("mer_a", 3_000_000n), merchantPayout("mer_b", 7_000_000n)];
    const coins = [coin(200_000n), coin(900_000n), coin(900_000n)];
    const one = planSettlement(baseInput({ closes, payouts, coins }));
    const two = planSettlement(
      baseInput({
        closes: [...closes].reverse(),
        payouts: [...payouts].reverse(),
        coins: [...coins].reverse(),
      }),
    );
    expect(two).toEqual(one);
  });
});

describe("settlement transactions", () => {
  it("keep every payer's signature valid and sign every input; size stays within what the plan paid for", () => {
    const a = closeCandidate(100_000n, 40_000_500n, "requested", 5);
    const b = closeCandidate(50_000n, 200_000n, "requested", 12);
    const plan = planSettlement(
      baseInput({ closes: [a.candidate, b.candidate], payouts: [merchantPayout("mer_1", 5_000_000n)] }),
    );
    const planned = plan.txs[0]!;
    const signed = signPlannedTx(planned, keys);
    expect(signed.vsize).toBeLessThanOrEqual(planned.vsize);
    const tx = parseTx(hexToBytes(signed.rawHex));
    const payers = new Map([
      [a.candidate.channelId, a.payerPubkey],
      [b.candidate.channelId, b.payerPubkey],
    ]);
    for (const [vin, input] of planned.inputs.entries()) {
      const witness = tx.inputs[vin]!.witness!;
      if (input.kind === "hub") {
        const hash = bip143Sighash(
          tx,
          vin,
          p2wpkhScriptCode(keys.wallet.publicKey),
          input.valueSat,
          SIGHASH.ALL,
        );
        expect(
          secp.verify(derToCompact(witness[0]!.slice(0, -1))!, hash, witness[1]!, { prehash: false }),
        ).toBe(true);
        continue;
      }
      const script = hexToBytes(input.witnessScript);
      // The payer's signature, made over the closing template, verifies against the real batch.
      const payerHash = bip143Sighash(tx, vin, script, input.valueSat, input.sighashType);
      expect(witness[0]![witness[0]!.length - 1]).toBe(input.sighashType);
      expect(
        secp.verify(derToCompact(witness[0]!.slice(0, -1))!, payerHash, payers.get(input.channelId)!, {
          prehash: false,
        }),
      ).toBe(true);
      const hubHash = bip143Sighash(tx, vin, script, input.valueSat, SIGHASH.ALL);
      expect(
        secp.verify(
          derToCompact(witness[1]!.slice(0, -1))!,
          hubHash,
          keys.channel(input.channelId).publicKey,
          {
            prehash: false,
          },
        ),
      ).toBe(true);
      expect(witness.slice(2).map(bytesToHex)).toEqual(["01", input.witnessScript]);
    }
    expect(unsignedTx(planned).outputs).toHaveLength(tx.outputs.length);
  });

  it("a fee bump pays at least the old fee plus its own size, shrinking only the change", () => {
    const plan = planSettlement(baseInput({ payouts: [merchantPayout("mer_1", 5_000_000n)] }));
    const planned = plan.txs[0]!;
    const fee = bumpedFeeSat(planned, 1);
    expect(fee).toBeGreaterThanOrEqual(planned.feeSat + BigInt(planned.vsize));
    const bumped = withFee(planned, fee, 330n)!;
    expect(bumped.inputs).toEqual(planned.inputs);
    expect(bumped.outputs.slice(0, -1)).toEqual(planned.outputs.slice(0, -1));
    expect(bumped.outputs.at(-1)!.valueSat).toBe(planned.outputs.at(-1)!.valueSat - (fee - planned.feeSat));
    expect(withFee(planned, planned.feeSat + planned.outputs.at(-1)!.valueSat, 330n)).toBeNull();
  });

  it("gives each channel input 0x80000000 + its own seq and hub coins 0xfffffffd, in every fee bump too", () => {
    const closes = [
      closeCandidate(100_000n, 40_000_500n, "requested", 1),
      closeCandidate(60_000n, 30_000_000n, "requested", 77),
      closeCandidate(50_000n, 200_000n, "requested", 3), // dust: NONE|ACP
    ];
    const plan = planSettlement(
      baseInput({ closes: closes.map((c) => c.candidate), payouts: [merchantPayout("mer_1", 500_000_000n)] }),
    );
    const planned = plan.txs[0]!;
    const bumped = withFee(planned, bumpedFeeSat(planned, 3), 330n)!;
    const seqOf = new Map(closes.map((c) => [c.candidate.channelId, c.candidate.seq]));
    for (const version of [planned, bumped]) {
      const tx = parseTx(hexToBytes(signPlannedTx(version, keys).rawHex));
      expect(tx.inputs.some((_, vin) => version.inputs[vin]!.kind === "hub")).toBe(true);
      for (const [vin, input] of version.inputs.entries()) {
        const want = input.kind === "channel" ? 0x80000000 + seqOf.get(input.channelId)! : 0xfffffffd;
        expect(tx.inputs[vin]!.sequence).toBe(want);
      }
    }
  });

  it("refuses to sign a channel input whose script names another hub key than the channel's own", () => {
    const a = closeCandidate(100_000n, 40_000_500n);
    const planned = planSettlement(baseInput({ closes: [a.candidate] })).txs[0]!;
    const wrongKeys = { ...keys, channel: () => keys.channel("ch_someone_else") };
    expect(() => signPlannedTx(planned, wrongKeys)).toThrow(/does not name its own hub key/);
  });
});

describe("settlement priorities", () => {
  it("short of funds, it drops payouts, then non-urgent closes, and keeps an expiring channel's close", () => {
    // Two channels whose payers spent nothing: closing them costs the hub fees it must fund.
    // The expiring channel's id sorts last, where a drop-the-last rule would pick it.
    const asked = closeCandidate(50_000n, 50_000_000n, "requested");
    const expiring = closeCandidate(50_000n, 50_000_000n, "expiring");
    expect(expiring.candidate.channelId > asked.candidate.channelId).toBe(true);
    const payout = merchantPayout("mer_1", 900_000_000n);
    // One small coin: enough for one close's fee, not for two, nor for the payout.
    const plan = planSettlement(
      baseInput({
        closes: [expiring.candidate, asked.candidate],
        payouts: [payout],
        coins: [coin(1_500n)],
        feeRateSatPerVb: 3,
      }),
    );
    expect(plan.closes.map((c) => c.candidate.channelId)).toEqual([expiring.candidate.channelId]);
    expect(plan.skipped.map((s) => s.key)).toEqual([
      "merchant:mer_1",
      `channel:${asked.candidate.channelId}`,
    ]);
  });

  it("an expiring channel stays expiring even if its payer asked to close it", async () => {
    const { closeReasonOf } = await import("../src/settlement/rules");
    const channel = { status: "closing", refundLocktime: 1_000 } as Parameters<typeof closeReasonOf>[0];
    expect(closeReasonOf(channel, 990, 10)).toBe("expiring");
    expect(closeReasonOf(channel, 989, 10)).toBe("requested");
    expect(closeReasonOf({ ...channel, status: "open" }, 989, 10)).toBe("exhausted");
  });
});
