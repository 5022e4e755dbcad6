/** Settlement test helpers over the real regtest node: hub wallet funding, runs with fault seams, chain scans. */
import { env } from "cloudflare:test";
import { p2wpkh, scriptFromAddress, segwitAddress } from "../src/chain/script";
import type { ChainBackend } from "../src/chain/backend";
import { parseBlockTxs, txid as txidOf } from "../src/chain/tx";
import { loadConfig } from "../src/config";
import { bytesToHex, hexToBytes, secp } from "../src/crypto";
import { openDb } from "../src/db/client";
import { checkLedger } from "../src/ledger/invariants";
import { type FaultStep, runSettlement } from "../src/settlement/service";
import { type Hub, newMerchant, OPERATOR, random } from "./helpers";
import { CHAIN_ENV, call, chain, fund, mine } from "./regtest";

/** The node's regtest settings for settlement tests: final at 2 confirmations, bump after 2 blocks. */
export const SETTLE_ENV = {
  ...CHAIN_ENV,
  SETTLEMENT_CONFIRMATIONS: "2",
  SETTLEMENT_BUMP_AFTER_BLOCKS: "2",
  SETTLEMENT_INTERVAL_SECONDS: "0",
  PAYOUT_THRESHOLD_MSAT: "1000000",
};

/** Deposits `valueSat` to the hub wallet on chain, confirms it, and registers it with the operator API. */
export async function fundHubWallet(h: Hub, valueSat: number) {
  const hubView = await h.call("GET", "/v1/admin/hub", { key: OPERATOR });
  const script = bytesToHex(scriptFromAddress(hubView.body.wallet_address, "regtest")!);
  const outpoint = await fund(script, valueSat);
  await mine(2);
  const res = await h.call("POST", "/v1/admin/wallet/utxos", { key: OPERATOR, body: outpoint });
  if (res.status !== 201) throw new Error(`deposit registration failed: ${JSON.stringify(res.body)}`);
  return outpoint;
}

/** A merchant whose balance settlement pays to a fresh address of its own. */
export async function merchantWithPayouts(h: Hub, name: string) {
  const merchant = await newMerchant(h, name);
  const payout = payoutAddress();
  const set = await h.call("PATCH", "/v1/merchant", {
    key: merchant.key,
    body: { payout_address: payout.address },
  });
  if (set.status !== 200 || set.body.payout_address !== payout.address) {
    throw new Error(`setting the payout address failed: ${JSON.stringify(set.body)}`);
  }
  return { ...merchant, payout };
}

/** A fresh payout address (bcrt1q…) and its script. */
export function payoutAddress() {
  const script = p2wpkh(secp.getPublicKey(secp.utils.randomSecretKey(), true));
  return { address: segwitAddress(script, "regtest"), script: bytesToHex(script) };
}

/**
 * Runs settlement through the service, so tests can inject crashes at its seams and make a run
 * believe it is later than it is (to overlap runs past the lease).
 */
export function runWith(
  h: Hub,
  options: { fault?: (step: FaultStep) => void; laterMs?: number; chain?: ChainBackend } = {},
) {
  return runSettlement(
    {
      db: openDb(env.DB),
      chain: options.chain ?? chain,
      config: loadConfig(h.env as never),
      nowMs: h.clock.nowMs() + (options.laterMs ?? 0),
      random,
      ...(options.fault ? { fault: options.fault } : {}),
    },
    { force: true },
  );
}

/** Raw hex of a transaction the node knows. */
export const rawTx = (txid: string) => call<string>("getrawtransaction", [txid, false]);

/** Txids in the node's mempool. */
export const mempool = () => call<string[]>("getrawmempool", []);

type BlockOutput = { txid: string; vout: number; valueSat: bigint; script: string };
/** Outputs of blocks already read, by block hash (a block's contents never change). */
const blockOutputs = new Map<string, BlockOutput[]>();

/** The last scan: unchanged while the best block is (tests ask after every step). */
let lastScan: { best: string; fromHeight: number; outputs: BlockOutput[] } | null = null;

/** Every output in the active chain from `fromHeight` to the tip. */
async function chainOutputs(fromHeight: number): Promise<BlockOutput[]> {
  const best = await call<string>("getbestblockhash");
  if (lastScan?.best === best && lastScan.fromHeight === fromHeight) return lastScan.outputs;
  const tip = await chain.tipHeight();
  const all: BlockOutput[] = [];
  for (let height = fromHeight; height <= tip; height++) {
    const hash = await call<string>("getblockhash", [height]);
    let outputs = blockOutputs.get(hash);
    if (!outputs) {
      outputs = parseBlockTxs(hexToBytes(await call<string>("getblock", [hash, false]))).flatMap((tx) => {
        const txid = txidOf(tx);
        return tx.outputs.map((o, vout) => ({
          txid,
          vout,
          valueSat: o.valueSat,
          script: bytesToHex(o.script),
        }));
      });
      blockOutputs.set(hash, outputs);
    }
    all.push(...outputs);
  }
  lastScan = { best, fromHeight, outputs: all };
  return all;
}

/** Every output in the active chain from `fromHeight` to the tip that pays `scriptHex`. */
export async function outputsPaying(scriptHex: string, fromHeight: number) {
  return (await chainOutputs(fromHeight)).flatMap(({ script, ...o }) => (script === scriptHex ? [o] : []));
}

/** The ledger invariant's violations right now (an empty list when it holds). */
export const ledgerViolations = async () => (await checkLedger(openDb(env.DB))).violations;

/** mulberry32: a small seeded PRNG, so a failing seed replays exactly. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
