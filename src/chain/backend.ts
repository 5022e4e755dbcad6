/** The main chain as the hub sees it: one small interface, implemented over bitcoind-style JSON-RPC. */
import type { TxOutput } from "./tx";

export interface ChainTx {
  readonly txid: string;
  /** 0 while in the mempool. */
  readonly confirmations: number;
  readonly outputs: readonly TxOutput[];
}

/** Why a chain call failed: the node is unreachable, or it refused what we sent. */
export class ChainError extends Error {
  constructor(
    readonly kind: "unavailable" | "rejected",
    message: string,
    /** For a refused transaction: "fee" when its fee is too low for the node (bump it), else "other". */
    readonly refusal: "fee" | "other" = "other",
  ) {
    super(message);
    this.name = "ChainError";
  }
}

export interface ChainBackend {
  /** Height of the best block. */
  tipHeight(): Promise<number>;
  /** A transaction in the mempool or the chain, or null when the node does not know it. */
  getTransaction(txid: string): Promise<ChainTx | null>;
  /** True when the output exists and is unspent (mempool spends count as spent). */
  isUnspent(txid: string, vout: number): Promise<boolean>;
  /** Broadcasts and then checks the node really holds the transaction; ChainError("rejected") if not. */
  broadcast(rawTxHex: string): Promise<string>;
  /** Fee rate for confirmation within `targetBlocks`, or the configured fallback when the node has no estimate. */
  feeRateSatPerVb(targetBlocks: number): Promise<number>;
  /** Regtest only: mines blocks to an address in the node's own format; returns their hashes. */
  mine(blocks: number, address: string): Promise<string[]>;
}
