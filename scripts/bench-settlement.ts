/**
 * Settlement benchmark (part of `npm run bench`): plan, build and sign one settlement of 10,000
 * merchant payouts and 1,000 channel closes in-process, with the vbytes each costs on chain.
 * Writes its section of BENCHMARKS.md (between markers; the rest of the file is left alone).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FundedChannel, signClosingState, witnessScriptOf } from "../src/chain/channel";
import { p2wpkh } from "../src/chain/script";
import { bytesToHex, secp } from "../src/crypto";
import { deriveHubKeys } from "../src/keys/derive";
import { signPlannedTx } from "../src/settlement/build";
import { channelInputWeight, outputWeight, planSettlement } from "../src/settlement/plan";
import type { CloseCandidate, HubCoin, PayoutCandidate } from "../src/settlement/settlement";

const ROOT = new URL("..", import.meta.url).pathname;
const PAYOUTS = Number(process.env.BENCH_PAYOUTS ?? 10_000);
const CLOSES = Number(process.env.BENCH_CLOSES ?? 1_000);
const FEE_RATE = 5;

const keys = deriveHubKeys(new Uint8Array(32).fill(9));
const key = () => secp.getPublicKey(secp.utils.randomSecretKey(), true);
const txid = (i: number) => i.toString(16).padStart(64, "0");

function closes(): CloseCandidate[] {
  return Array.from({ length: CLOSES }, (_, i) => {
    const payerSecret = secp.utils.randomSecretKey();
    const payerPubkey = secp.getPublicKey(payerSecret, true);
    const channel: FundedChannel = {
      payerPubkey,
      hubPubkey: keys.channel.publicKey,
      refundLocktime: 900_000,
      capacitySat: 500_000n,
      refundScript: p2wpkh(payerPubkey),
      fundingTxid: txid(1_000_000 + i),
      fundingVout: 0,
    };
    const payerBalanceMsat = 100_000_000n + BigInt(i) * 1_000n;
    const { signature, sighashType } = signClosingState(channel, payerBalanceMsat, payerSecret);
    return {
      channelId: `ch_${String(i).padStart(26, "0")}`,
      fundingTxid: channel.fundingTxid,
      fundingVout: 0,
      capacitySat: channel.capacitySat,
      witnessScript: bytesToHex(witnessScriptOf(channel)),
      refundScript: bytesToHex(channel.refundScript),
      payerBalanceMsat,
      sighashType,
      signature: bytesToHex(signature),
      reason: "expiring",
    };
  });
}

/** Times `work` once, in milliseconds. */
function timed<T>(work: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = work();
  return { value, ms: performance.now() - t0 };
}

export function settlementBench() {
  const closeCandidates = closes();
  const payouts: PayoutCandidate[] = Array.from({ length: PAYOUTS }, (_, i) => ({
    kind: "merchant",
    ownerId: `mer_${String(i).padStart(26, "0")}`,
    script: bytesToHex(p2wpkh(key())),
    availableMsat: 2_000_000_000n + BigInt(i),
  }));
  const coins: HubCoin[] = Array.from({ length: 200 }, (_, i) => ({
    txid: txid(i + 1),
    vout: 0,
    valueSat: 1_000_000_000n,
  }));
  const liabilities = [
    ...payouts.map((p) => ({ owner: `merchant:${p.ownerId}`, balanceMsat: p.availableMsat })),
    ...closeCandidates.map((c) => ({ owner: `channel:${c.channelId}`, balanceMsat: c.payerBalanceMsat })),
  ];
  const plan = timed(() =>
    planSettlement({
      settlementId: "stl_bench",
      closes: closeCandidates,
      payouts,
      coins,
      liabilities,
      hubEquityMsat: 10n ** 15n,
      feeRateSatPerVb: FEE_RATE,
      changeScript: bytesToHex(p2wpkh(keys.wallet.publicKey)),
      limits: { maxTxWeight: 400_000, dustSat: 330n, maxHubInputsPerTx: 20 },
    }),
  );
  if (plan.value.payouts.length !== PAYOUTS || plan.value.closes.length !== CLOSES) {
    throw new Error(`the plan dropped items: ${JSON.stringify(plan.value.skipped.slice(0, 3))}`);
  }
  const signed = timed(() => plan.value.txs.map((tx) => signPlannedTx(tx, keys)));
  const totalVsize = signed.value.reduce((sum, tx) => sum + tx.vsize, 0);
  const sample = closeCandidates[0]!;
  return {
    payouts: PAYOUTS,
    closes: CLOSES,
    txs: plan.value.txs.length,
    planMs: plan.ms,
    signMs: signed.ms,
    totalVsize,
    payoutVbytes: outputWeight(payouts[0]!.script) / 4,
    closeVbytes: (channelInputWeight(sample) + outputWeight(sample.refundScript)) / 4,
    feeSat: plan.value.txs.reduce((sum, tx) => sum + tx.feeSat, 0n),
  };
}

const START = "<!-- settlement-bench:start -->";
const END = "<!-- settlement-bench:end -->";

/** Replaces (or appends) this benchmark's section of BENCHMARKS.md. */
export function writeSection(markdown: string) {
  const path = join(ROOT, "BENCHMARKS.md");
  const current = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  const section = `${START}\n${markdown.trim()}\n${END}`;
  const at = current.indexOf(START);
  const next =
    at >= 0
      ? `${current.slice(0, at)}${section}${current.slice(current.indexOf(END) + END.length)}`
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = settlementBench();
  const section = `## Settlement: plan, build and sign (in-process, one core)

One settlement of ${r.payouts.toLocaleString("en")} merchant payouts (P2WPKH) and ${r.closes.toLocaleString("en")} channel closes
(SINGLE|ACP payer outputs), funded from hub wallet coins at ${FEE_RATE} sat/vB: \`planSettlement\` (netting, coin
selection, splitting under the 400,000-weight standard limit, Merkle-sum tree of ${(r.payouts + r.closes).toLocaleString("en")} leaves) and
\`signPlannedTx\` for every transaction (BIP 143 sighashes, a hub signature per channel and wallet input).

| metric | value |
|---|---|
| transactions | ${r.txs} |
| plan | ${r.planMs.toFixed(0)} ms |
| build + sign | ${r.signMs.toFixed(0)} ms |
| total size | ${r.totalVsize.toLocaleString("en")} vB (fee ${r.feeSat.toLocaleString("en")} sat) |
| vbytes per payout (its output) | ${r.payoutVbytes} |
| vbytes per channel close (input with both signatures + payer output) | ${r.closeVbytes} |
`;
  writeSection(section);
  console.log(section);
}
