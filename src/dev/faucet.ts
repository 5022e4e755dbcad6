/**
 * Regtest only: a faucet key whose 50-BTC coinbases (mined by scripts/lib/regtest.mjs) pay for
 * channel funding in tests and in `sluice wallet fund`. Never used on a real network.
 */
import { ChainError } from "../chain/backend";
import { bitcoindRpc, jsonRpc, type RpcConfig } from "../chain/backends/bitcoind-rpc";
import { hash160 } from "../chain/encoding";
import { p2wpkh } from "../chain/script";
import { signDer } from "../chain/signature";
import { bip143Sighash, SIGHASH, type Tx, txHex } from "../chain/tx";
import { concatBytes, secp } from "../crypto";

/** Heights whose coinbase pays the faucet (see FAUCET_BLOCKS in scripts/lib/regtest.mjs). */
const FAUCET_HEIGHTS = 150;
const COINBASE_SAT = 5_000_000_000n;
const FEE_SAT = 2_000n;

type Rpc = ReturnType<typeof jsonRpc>;

async function result<T>(rpc: Rpc, method: string, params: unknown[]): Promise<T> {
  const reply = await rpc(method, params);
  if (reply.error) throw new ChainError("rejected", `${method}: ${reply.error.message}`);
  return reply.result as T;
}

/** Pays `valueSat` to `script` from an unspent faucet coinbase; returns the funding outpoint. */
export async function faucetPay(
  rpcConfig: Pick<RpcConfig, "url" | "user" | "password">,
  faucetSecret: Uint8Array,
  script: Uint8Array,
  valueSat: bigint,
): Promise<{ txid: string; vout: number; rawTxHex: string }> {
  const paid = await faucetPayAll(rpcConfig, faucetSecret, [{ script, valueSat }]);
  return { ...paid, vout: 0 };
}

/**
 * Pays every output from one unspent faucet coinbase, in one transaction (output i is payment i,
 * the change comes last): funds hundreds of channels with one of the faucet's 150 coinbases.
 */
export async function faucetPayAll(
  rpcConfig: Pick<RpcConfig, "url" | "user" | "password">,
  faucetSecret: Uint8Array,
  payments: readonly { script: Uint8Array; valueSat: bigint }[],
): Promise<{ txid: string; rawTxHex: string }> {
  const rpc = jsonRpc({ ...rpcConfig, timeoutMs: 10_000 });
  const backend = bitcoindRpc({ ...rpcConfig, timeoutMs: 10_000, fallbackFeeRateSatPerVb: 1 });
  const pubkey = secp.getPublicKey(faucetSecret, true);
  const scriptCode = concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), hash160(pubkey), Uint8Array.of(0x88, 0xac));
  const paidSat = payments.reduce((sum, p) => sum + p.valueSat, 0n);
  // A P2WSH output is 43 vbytes: 2 sat/vB for each further one, on top of the one-output fee.
  const feeSat = FEE_SAT + 86n * BigInt(payments.length - 1);
  const start = 1 + Math.floor(Math.random() * FAUCET_HEIGHTS);
  let lastError = "none unspent";
  // Walk the faucet's coinbases from a random start so parallel callers rarely pick the same one.
  for (let i = 0; i < FAUCET_HEIGHTS; i++) {
    const height = 1 + ((start + i) % FAUCET_HEIGHTS);
    const hash = await result<string>(rpc, "getblockhash", [height]);
    const block = await result<{ tx: string[] }>(rpc, "getblock", [hash, true]);
    const coinbase = block.tx[0]!;
    if ((await result<unknown>(rpc, "gettxout", [coinbase, 0, true])) === null) continue;
    const unsigned: Tx = {
      version: 2,
      locktime: 0,
      inputs: [{ txid: coinbase, vout: 0, sequence: 0xfffffffd }],
      outputs: [
        ...payments.map((p) => ({ valueSat: p.valueSat, script: p.script })),
        { valueSat: COINBASE_SAT - paidSat - feeSat, script: p2wpkh(pubkey) },
      ],
    };
    const hashToSign = bip143Sighash(unsigned, 0, scriptCode, COINBASE_SAT, SIGHASH.ALL);
    const signature = concatBytes(signDer(hashToSign, faucetSecret), Uint8Array.of(SIGHASH.ALL));
    const tx: Tx = { ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [signature, pubkey] }] };
    const raw = txHex(tx);
    try {
      return { txid: await backend.broadcast(raw), rawTxHex: raw };
    } catch (e) {
      // Another caller spent this coinbase first: try the next one.
      if (!(e instanceof ChainError) || e.kind !== "rejected") throw e;
      lastError = e.message;
    }
  }
  throw new Error(`the faucet found no spendable coinbase (last error: ${lastError})`);
}
