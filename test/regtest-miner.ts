/**
 * A block with exactly the transactions a test chooses, mined from the node's own template and
 * submitted with `submitblock`. bcoin (unlike Bitcoin Core) never replaces a mempool transaction by
 * a higher-fee one, so this plays the miner who got the replacement from a replace-by-fee peer.
 */
import { pushNumber } from "../src/chain/script";
import { bytesToTxid, ByteWriter, dsha256, reversed } from "../src/chain/encoding";
import { parseTx, serializeTx, type Tx } from "../src/chain/tx";
import { bytesToHex, concatBytes, hexToBytes } from "../src/crypto";
import { call } from "./regtest";

interface Template {
  version: number;
  height: number;
  previousblockhash: string;
  bits: string;
  curtime: number;
  coinbasevalue: number;
}

function merkleRoot(hashes: Uint8Array[]): Uint8Array {
  let level = hashes;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(dsha256(concatBytes(level[i]!, level[i + 1] ?? level[i]!)));
    level = next;
  }
  return level[0]!;
}

/** Mines one block holding `rawTxs` (and nothing else from the mempool); returns its hash. */
export async function mineBlockWith(rawTxs: string[]): Promise<string> {
  const t = await call<Template>("getblocktemplate", [{ rules: ["segwit"] }]);
  const txs = rawTxs.map((hex) => parseTx(hexToBytes(hex)));
  const reserved = new Uint8Array(32);
  // Witness commitment (BIP 141): the coinbase's wtxid counts as zero.
  const wtxids = [new Uint8Array(32), ...txs.map((tx) => dsha256(serializeTx(tx, true)))];
  const commitment = dsha256(concatBytes(merkleRoot(wtxids), reserved));
  const burn = concatBytes(Uint8Array.of(0x00, 0x14), new Uint8Array(20).fill(0xee));
  const coinbase: Tx = {
    version: 1,
    locktime: 0,
    inputs: [
      {
        txid: "00".repeat(32),
        vout: 0xffffffff,
        sequence: 0xffffffff,
        scriptSig: concatBytes(pushNumber(t.height), Uint8Array.of(0x01, 0x73)),
        witness: [reserved],
      },
    ],
    outputs: [
      { valueSat: BigInt(t.coinbasevalue), script: burn },
      { valueSat: 0n, script: concatBytes(hexToBytes("6a24aa21a9ed"), commitment) },
    ],
  };
  const all = [coinbase, ...txs];
  const root = merkleRoot(all.map((tx) => dsha256(serializeTx(tx, false))));
  const target = BigInt(`0x${"7fffff".padEnd(64, "0")}`);
  for (let nonce = 0; nonce < 1_000_000; nonce++) {
    const header = new ByteWriter()
      .u32le(t.version)
      .raw(reversed(hexToBytes(t.previousblockhash)))
      .raw(root)
      .u32le(t.curtime)
      .u32le(Number.parseInt(t.bits, 16))
      .u32le(nonce)
      .bytes();
    const hash = dsha256(header);
    if (BigInt(`0x${bytesToHex(reversed(hash))}`) > target) continue;
    const block = new ByteWriter().raw(header).varint(all.length);
    for (const tx of all) block.raw(serializeTx(tx, true));
    const result = await call<string | null>("submitblock", [bytesToHex(block.bytes())]);
    if (result !== null) throw new Error(`submitblock refused the block: ${result}`);
    return bytesToTxid(hash);
  }
  throw new Error("no nonce found");
}
