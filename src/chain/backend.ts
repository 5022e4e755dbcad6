/** The main chain as the hub sees it: one small interface, implemented over bitcoind-style JSON-RPC. */
import type { TxOutput } from "./tx";

export interface Outpoint {
  readonly txid: string;
  readonly vout: number;
}

export interface ChainTx {
  readonly txid: string;
  /** 0 while in the mempool. */
  readonly confirmations: number;
  /** What it spends, read from its raw bytes. */
  readonly inputs: readonly Outpoint[];
  readonly outputs: readonly TxOutput[];
}

/** A transaction in a block of the best chain spending one of the outpoints asked about. */
export interface ChainSpend {
  readonly outpoint: Outpoint;
  readonly txid: string;
  readonly height: number;
}

/**
 * Why a chain call failed. `unavailable`: no answer to trust — the node is unreachable, timed
 * out, answered HTTP or JSON-RPC errors (any but "not found" where the call allows it), or a reply
 * that does not parse or does not match what was asked; it proves nothing, and nothing may change
 * on it. `rejected`: the node refused a transaction we sent and does not hold it.
 */
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
  /**
   * A transaction in the mempool or the chain, or null only when the node says it does not know
   * it ("not found"); any other failure throws ChainError("unavailable").
   */
  getTransaction(txid: string): Promise<ChainTx | null>;
  /**
   * True when the output exists and is unspent. Mempool spends count as spent unless
   * `inChainOnly`, which asks the best chain's UTXO set alone.
   */
  isUnspent(txid: string, vout: number, options?: { inChainOnly?: boolean }): Promise<boolean>;
  /**
   * Scans blocks of the best chain from the tip down (at most `maxBlocks`, none below
   * `fromHeight`) for transactions spending any of `outpoints`; stops when each is found.
   * Candidates only: callers confirm one with getTransaction before acting on it.
   */
  findSpends(
    outpoints: readonly Outpoint[],
    range: { fromHeight: number; maxBlocks: number },
  ): Promise<ChainSpend[]>;
  /**
   * Broadcasts and then checks the node really holds the transaction; ChainError("rejected") if
   * not. A refusal of a transaction the node already holds ("already known", "already in the
   * UTXO set") is no refusal: the txid is returned.
   */
  broadcast(rawTxHex: string): Promise<string>;
  /** Fee rate for confirmation within `targetBlocks`, or the configured fallback when the node has no estimate. */
  feeRateSatPerVb(targetBlocks: number): Promise<number>;
  /** Regtest only: mines blocks to an address in the node's own format; returns their hashes. */
  mine(blocks: number, address: string): Promise<string[]>;
}
