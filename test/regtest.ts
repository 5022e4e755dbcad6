/** Test access to this test file's own real regtest node (started on request by global-setup.ts). */
import { bech32 } from "@scure/base";
import { inject } from "vitest";
import { ChainError } from "../src/chain/backend";
import { bitcoindRpc, jsonRpc } from "../src/chain/backends/bitcoind-rpc";
import { hash160 } from "../src/chain/encoding";
import { p2wpkh } from "../src/chain/script";
import { signDer } from "../src/chain/signature";
import { bip143Sighash, SIGHASH, type Tx, txHex, txid } from "../src/chain/tx";
import { p2wpkhScriptCode } from "../src/settlement/build";
import { bytesToHex, concatBytes, hexToBytes, secp } from "../src/crypto";
import { faucetPay } from "../src/dev/faucet";
import { TEST_BINDINGS } from "./bindings";

async function ownNode(): Promise<{ url: string; user: string; password: string }> {
  const res = await fetch(inject("regtestControlUrl"), { method: "POST" });
  if (!res.ok) throw new Error(`no regtest node: ${await res.text()}`);
  return res.json();
}

/** The node's RPC endpoint and credentials: one node per test file that imports this module. */
export const rpcInfo = await ownNode();

/** Env entries that point the Worker at the regtest node. */
export const CHAIN_ENV = {
  BITCOIN_RPC_URL: rpcInfo.url,
  BITCOIN_RPC_USER: rpcInfo.user,
  BITCOIN_RPC_PASSWORD: rpcInfo.password,
};

export const chain = bitcoindRpc({ ...rpcInfo, timeoutMs: 10_000, fallbackFeeRateSatPerVb: 2 });
const rpc = jsonRpc({ ...rpcInfo, timeoutMs: 10_000 });

/** Calls the node; a JSON-RPC error throws. */
export async function call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
  const reply = await rpc(method, params);
  if (reply.error) throw new ChainError("rejected", `${method}: ${reply.error.message}`);
  return reply.result as T;
}

const burn = bech32.encode("rb", [
  0,
  ...bech32.toWords(hash160(secp.getPublicKey(new Uint8Array(32).fill(0xee), true))),
]);

/** Mines `n` blocks (to a burn key, in bcoin's address format). */
export const mine = (n: number) => chain.mine(n, burn);

/** Mines until the tip is at least `height`. */
export async function mineTo(height: number) {
  const tip = await chain.tipHeight();
  if (tip < height) await mine(height - tip);
}

/** Pays `valueSat` to `scriptHex` from the faucet; returns the outpoint (unconfirmed). */
export async function fund(scriptHex: string, valueSat: number): Promise<{ txid: string; vout: number }> {
  const paid = await faucetPay(
    rpcInfo,
    hexToBytes(TEST_BINDINGS.FAUCET_SECRET),
    hexToBytes(scriptHex),
    BigInt(valueSat),
  );
  return { txid: paid.txid, vout: paid.vout };
}

/**
 * A funding transaction paying `valueSat` to `scriptHex` that the node has not seen: signed but not
 * sent (it spends a faucet payment to a throwaway key). `broadcast()` sends it later, as relay would.
 */
export async function fundUnseen(scriptHex: string, valueSat: number) {
  const key = secp.utils.randomSecretKey();
  const pubkey = secp.getPublicKey(key, true);
  const feeSat = 1_000n;
  const parent = await fund(bytesToHex(p2wpkh(pubkey)), valueSat + Number(feeSat));
  const unsigned: Tx = {
    version: 2,
    locktime: 0,
    inputs: [{ txid: parent.txid, vout: parent.vout, sequence: 0xfffffffd }],
    outputs: [{ valueSat: BigInt(valueSat), script: hexToBytes(scriptHex) }],
  };
  const hash = bip143Sighash(unsigned, 0, p2wpkhScriptCode(pubkey), BigInt(valueSat) + feeSat, SIGHASH.ALL);
  const signature = concatBytes(signDer(hash, key), Uint8Array.of(SIGHASH.ALL));
  const tx: Tx = { ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [signature, pubkey] }] };
  return { txid: txid(tx), vout: 0, broadcast: () => chain.broadcast(txHex(tx)) };
}
