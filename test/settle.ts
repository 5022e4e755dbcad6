/** Settlement test helpers over the real regtest node: hub wallet funding, runs with fault seams, chain scans. */
import { env } from "cloudflare:test";
import { p2wpkh, scriptFromAddress, segwitAddress } from "../src/chain/script";
import { parseTx } from "../src/chain/tx";
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
export function runWith(h: Hub, options: { fault?: (step: FaultStep) => void; laterMs?: number } = {}) {
  return runSettlement(
    {
      db: openDb(env.DB),
      chain,
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

/** Every output in the active chain from `fromHeight` to the tip that pays `scriptHex`. */
export async function outputsPaying(scriptHex: string, fromHeight: number) {
  const tip = await chain.tipHeight();
  const found: { txid: string; vout: number; valueSat: bigint }[] = [];
  for (let height = fromHeight; height <= tip; height++) {
    const hash = await call<string>("getblockhash", [height]);
    const block = await call<{ tx: string[] }>("getblock", [hash, true]);
    for (const txid of block.tx) {
      const tx = parseTx(hexToBytes(await rawTx(txid)));
      tx.outputs.forEach((o, vout) => {
        if (bytesToHex(o.script) === scriptHex) found.push({ txid, vout, valueSat: o.valueSat });
      });
    }
  }
  return found;
}

/** The ledger invariant's violations right now (an empty list when it holds). */
export const ledgerViolations = async () => (await checkLedger(openDb(env.DB))).violations;
