/**
 * Settlement benchmark (part of `npm run bench`): plan, build and sign one settlement of 10,000
 * merchant payouts and 1,000 channel closes in-process, with the vbytes each costs on chain.
 * Writes its section of BENCHMARKS.md (between markers; the rest of the file is left alone).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FundedChannel, signClosingState, witnessScriptOf } from "../src/chain/channel";
import { p2wpkh, scriptFromAddress, segwitAddress } from "../src/chain/script";
import { parseTx, vsize } from "../src/chain/tx";
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import { PayerWallet } from "../src/client/wallet";
import { faucetPay } from "../src/dev/faucet";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { deriveHubKeys } from "../src/keys/derive";
import { signPlannedTx } from "../src/settlement/build";
import { channelInputWeight, outputWeight, planSettlement } from "../src/settlement/plan";
import type { CloseCandidate, HubCoin, PayoutCandidate } from "../src/settlement/settlement";
import { api, applyMigrations, ensureDevVars, startWorker } from "./lib/dev.mjs";
import { bcoinP2wpkhAddress, freePort, prepareChain, startRegtest } from "./lib/regtest.mjs";

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
    const channelId = `ch_${String(i).padStart(26, "0")}`;
    const channel: FundedChannel = {
      payerPubkey,
      hubPubkey: keys.channel(channelId).publicKey,
      refundLocktime: 900_000,
      capacitySat: 500_000n,
      refundScript: p2wpkh(payerPubkey),
      fundingTxid: txid(1_000_000 + i),
      fundingVout: 0,
    };
    const payerBalanceMsat = 100_000_000n + BigInt(i) * 1_000n;
    // Closes at many different seqs, as real ones are: each input's nSequence is 0x80000000 + seq.
    const seq = 1 + (i % 500);
    const { signature, sighashType } = signClosingState(channel, { seq, payerBalanceMsat }, payerSecret);
    return {
      channelId,
      fundingTxid: channel.fundingTxid,
      fundingVout: 0,
      capacitySat: channel.capacitySat,
      witnessScript: bytesToHex(witnessScriptOf(channel)),
      refundScript: bytesToHex(channel.refundScript),
      seq,
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
      leafSaltSeed: new Uint8Array(32).fill(7),
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

/**
 * End to end on a real regtest node and the local Worker: many payers pay many merchants off-chain,
 * then one settlement closes every channel and pays every merchant. How many off-chain payments
 * did each on-chain transaction, and each vbyte, settle?
 */
export async function compressionBench() {
  const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 20);
  const MERCHANTS = Number(process.env.BENCH_MERCHANTS ?? 10);
  const PER_CHANNEL = Number(process.env.BENCH_PAYMENTS_PER_CHANNEL ?? 50);
  const faucet = randomBytes(32);
  const node = await startRegtest();
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-settle-"));
  let worker: { url: string; stop: () => void } | null = null;
  try {
    await prepareChain(node, faucet);
    const rpc = { url: node.url, user: node.user, password: node.password };
    const envFile = join(dir, "vars");
    const vars = ensureDevVars(
      {
        BITCOIN_RPC_URL: node.url,
        BITCOIN_RPC_USER: node.user,
        BITCOIN_RPC_PASSWORD: node.password,
        MIN_CONFIRMATIONS: "1",
        SETTLEMENT_CONFIRMATIONS: "1",
        SETTLEMENT_INTERVAL_SECONDS: "0",
        PAYOUT_THRESHOLD_MSAT: "1000000",
      },
      { path: envFile },
    );
    applyMigrations(join(dir, "d1"), { quiet: true });
    worker = await startWorker({
      port: (await freePort()) as number,
      persistTo: join(dir, "d1"),
      envFile,
      quiet: true,
    });
    const url = worker.url;
    const mineOne = () =>
      node.rpc("generatetoaddress", [1, bcoinP2wpkhAddress(new Uint8Array(32).fill(0xee))]);
    const op = vars.OPERATOR_TOKEN;
    // The hub wallet: one deposit of capital.
    const hub = (await api(url, "/v1/admin/hub", { token: op })).body;
    const deposit = await faucetPay(
      rpc,
      faucet,
      scriptFromAddress(hub.wallet_address, "regtest")!,
      100_000_000n,
    );
    // Merchants with payout addresses.
    const merchants: string[] = [];
    for (let i = 0; i < MERCHANTS; i++) {
      const created = await api(url, "/v1/admin/merchants", {
        method: "POST",
        token: op,
        body: { name: `Bench ${i}` },
      });
      const key = created.body.api_key.secret as string;
      await api(url, "/v1/merchant", {
        method: "PATCH",
        token: key,
        body: { payout_address: segwitAddress(p2wpkh(keyPair()), "regtest") },
      });
      merchants.push(key);
    }
    // Payers: one channel each, funded on chain.
    const client = new SluiceClient(url);
    const payers = [];
    for (let i = 0; i < CHANNELS; i++) {
      const wallet = await PayerWallet.open(new MemoryStorage());
      const offer = await wallet.openChannel(client, 500_000);
      const paid = await faucetPay(rpc, faucet, hexToBytes(offer.fundingScript), 500_000n);
      await wallet.registerFunding(client, offer.id, { txid: paid.txid, vout: paid.vout });
      payers.push({ wallet, channelId: offer.id });
    }
    await mineOne();
    await api(url, "/v1/admin/wallet/utxos", {
      method: "POST",
      token: op,
      body: { txid: deposit.txid, vout: deposit.vout },
    });
    for (const p of payers) await client.channel(p.channelId);
    // Off-chain: every payer pays PER_CHANNEL invoices, round robin over the merchants.
    let payments = 0;
    await Promise.all(
      payers.map(async (p, i) => {
        for (let n = 0; n < PER_CHANNEL; n++) {
          const key = merchants[(i + n) % merchants.length]!;
          const inv = await api(url, "/v1/invoices", {
            method: "POST",
            token: key,
            body: { amount_msat: 2_000_000 + n },
          });
          await p.wallet.pay(client, inv.body.bolt11, { channelId: p.channelId });
          payments++;
        }
        await p.wallet.requestClose(client, p.channelId);
      }),
    );
    // On chain: one settlement closes every channel and pays every merchant.
    const run = (await api(url, "/v1/admin/settlements", { method: "POST", token: op })).body;
    const settlement = run.active;
    let vbytes = 0;
    for (const txid of settlement.txids as string[]) {
      vbytes += vsize(parseTx(hexToBytes(await node.rpc("getrawtransaction", [txid, false]))));
    }
    await mineOne();
    const final = (await api(url, "/v1/admin/settlements", { method: "POST", token: op })).body;
    if (final.active !== null)
      throw new Error(`the settlement did not finish: ${JSON.stringify(final.steps)}`);
    const check = (await api(url, "/v1/admin/hub", { token: op })).body;
    if (!check.ledger_ok) throw new Error("the ledger invariant broke during the benchmark");
    return {
      payments,
      txs: settlement.txids.length as number,
      vbytes,
      payouts: settlement.payout_count as number,
      closes: settlement.close_count as number,
    };
  } finally {
    worker?.stop();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const keyPair = () => secp.getPublicKey(secp.utils.randomSecretKey(), true);

if (import.meta.url === `file://${process.argv[1]}`) {
  const e2e = await compressionBench();
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

## Settlement: compression, end to end (regtest + local Worker)

${e2e.payments.toLocaleString("en")} off-chain payments over HTTP (the SDK signing each channel state, the Worker verifying and
committing it) from ${e2e.closes} channels to ${e2e.payouts} merchants; then one settlement run closes every channel and pays
every merchant, mined on a bcoin regtest node.

| metric | value |
|---|---|
| on-chain transactions | ${e2e.txs} |
| on-chain size | ${e2e.vbytes.toLocaleString("en")} vB |
| off-chain payments per on-chain transaction | ${(e2e.payments / e2e.txs).toFixed(0)} |
| off-chain payments per on-chain vbyte | ${(e2e.payments / e2e.vbytes).toFixed(2)} (${(e2e.vbytes / e2e.payments).toFixed(1)} vB per payment) |
`;
  writeSection(section);
  console.log(section);
}
