/**
 * ChainBackend over bitcoind-compatible JSON-RPC (Bitcoin Core, bcoin). Only an answer that says
 * so is "not found"; every other failure — unreachable, timed out, an HTTP or JSON-RPC error, a
 * reply that does not parse or is not about what was asked — is ChainError("unavailable").
 */
import { hexToBytes } from "../../crypto";
import { ChainError, type ChainBackend, type ChainSpend, type ChainTx, type Outpoint } from "../backend";
import { bytesToTxid, dsha256 } from "../encoding";
import { parseBlockTxs, parseTx, txid as txidOf } from "../tx";

export interface RpcConfig {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly timeoutMs: number;
  readonly fallbackFeeRateSatPerVb: number;
  /** How long a broadcast waits for the node to show the transaction before calling it rejected. */
  readonly broadcastCheckMs?: number;
}

const BROADCAST_CHECK_MS = 3_000;
const BROADCAST_POLL_MS = 100;

type RpcErrorBody = { code: number; message: string };
type RpcReply = { result: unknown; error: RpcErrorBody | null };

/** A raw JSON-RPC caller: replies as the node gives them; unreachable or not JSON-RPC → ChainError("unavailable"). */
export function jsonRpc(config: Pick<RpcConfig, "url" | "user" | "password" | "timeoutMs">) {
  const auth = `Basic ${btoa(`${config.user}:${config.password}`)}`;
  return async function call(method: string, params: unknown[]): Promise<RpcReply> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(config.url, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "1.0", id: method, method, params }),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      throw new ChainError("unavailable", `bitcoin node unreachable (${method}): ${(e as Error).name}`);
    }
    if (res.status === 401 || res.status === 403)
      throw new ChainError("unavailable", "bitcoin node refused our credentials");
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {}
    // Bitcoin Core sends JSON-RPC errors with HTTP 500 (or 404): the body, not the status, decides.
    const error = (body as { error?: unknown } | null)?.error ?? null;
    const wellFormedError =
      error === null ||
      (typeof (error as RpcErrorBody).code === "number" &&
        typeof (error as RpcErrorBody).message === "string");
    if (!body || typeof body !== "object" || !("result" in body) || !wellFormedError) {
      throw new ChainError(
        "unavailable",
        `bitcoin node gave no JSON-RPC reply to ${method} (HTTP ${res.status})`,
      );
    }
    return { result: (body as { result: unknown }).result, error: error as RpcErrorBody | null };
  };
}

/**
 * "Not found" for getrawtransaction: Bitcoin Core's RPC_INVALID_ADDRESS_OR_KEY (−5), and bcoin's
 * generic −1 with this exact message (bcoin has no code of its own for it).
 */
const isNotFound = (e: RpcErrorBody) =>
  e.code === -5 || (e.code === -1 && e.message === "Transaction not found.");

/**
 * sendrawtransaction codes that refuse the transaction itself: −22 not decodable, −25 missing or
 * spent inputs, −26 policy or consensus (fees among them), −27 already in the chain. Any other
 * code means the node could not judge it (warming up, internal error): unavailable.
 */
const REFUSALS = new Set([-22, -25, -26, -27]);

const unavailable = (method: string, why: string) =>
  new ChainError("unavailable", `bitcoin node ${method}: ${why}`);

const isHex = (v: unknown): v is string =>
  typeof v === "string" && v.length % 2 === 0 && /^[0-9a-f]*$/i.test(v);
const isHash = (v: unknown): v is string => isHex(v) && v.length === 64;
const isHeight = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Creates the JSON-RPC backend; credentials go only into the Authorization header. */
export function bitcoindRpc(config: RpcConfig): ChainBackend {
  const call = jsonRpc(config);

  /** A call whose every error is unavailability, and whose result must pass `valid`. */
  async function result<T>(method: string, params: unknown[], valid: (v: unknown) => v is T): Promise<T> {
    const reply = await call(method, params);
    if (reply.error) throw unavailable(method, `error ${reply.error.code}: ${reply.error.message}`);
    if (!valid(reply.result)) throw unavailable(method, "a reply that is not what was asked for");
    return reply.result;
  }

  async function tipHeight(): Promise<number> {
    return result("getblockcount", [], isHeight);
  }

  async function getTransaction(txid: string): Promise<ChainTx | null> {
    const reply = await call("getrawtransaction", [txid, true]);
    if (reply.error) {
      if (isNotFound(reply.error)) return null;
      throw unavailable("getrawtransaction", `error ${reply.error.code}: ${reply.error.message}`);
    }
    if (reply.result === null) return null;
    const tx = reply.result as { hex?: unknown; confirmations?: unknown };
    const confirmations = tx?.confirmations ?? 0;
    if (typeof tx !== "object" || !isHex(tx.hex) || !isHeight(confirmations))
      throw unavailable("getrawtransaction", "a reply that is not a transaction");
    let parsed: ReturnType<typeof parseTx>;
    try {
      parsed = parseTx(hexToBytes(tx.hex));
    } catch {
      throw unavailable("getrawtransaction", "bytes that do not parse as a transaction");
    }
    // A reply about another transaction (a stale or crossed answer) proves nothing about this one.
    if (txidOf(parsed) !== txid) throw unavailable("getrawtransaction", "a different transaction");
    // Values come from the raw bytes, never from the node's floating-point BTC amounts.
    return {
      txid,
      confirmations,
      inputs: parsed.inputs.map((i) => ({ txid: i.txid, vout: i.vout })),
      outputs: parsed.outputs,
    };
  }

  async function findSpends(
    outpoints: readonly Outpoint[],
    range: { fromHeight: number; maxBlocks: number },
  ): Promise<ChainSpend[]> {
    const wanted = new Map(outpoints.map((o) => [`${o.txid}:${o.vout}`, o]));
    const found: ChainSpend[] = [];
    const tip = await tipHeight();
    const lowest = Math.max(range.fromHeight, tip - range.maxBlocks + 1, 0);
    for (let height = tip; height >= lowest && wanted.size > 0; height--) {
      const hash = await result("getblockhash", [height], isHash);
      const raw = hexToBytes(await result("getblock", [hash, false], isHex));
      // The bytes must be the block asked for (its header hashes to `hash`).
      if (raw.length < 80 || bytesToTxid(dsha256(raw.subarray(0, 80))) !== hash.toLowerCase())
        throw unavailable("getblock", "a block other than the one asked for");
      let txs: ReturnType<typeof parseBlockTxs>;
      try {
        txs = parseBlockTxs(raw);
      } catch {
        throw unavailable("getblock", "bytes that do not parse as a block");
      }
      for (const tx of txs) {
        for (const input of tx.inputs) {
          const outpoint = wanted.get(`${input.txid}:${input.vout}`);
          if (!outpoint) continue;
          found.push({ outpoint, txid: txidOf(tx), height });
          wanted.delete(`${input.txid}:${input.vout}`);
        }
      }
    }
    return found;
  }

  return {
    tipHeight,
    getTransaction,
    async isUnspent(txid, vout, options) {
      // An unspent output is described (Core and bcoin both give its confirmations); a spent one is null.
      const out = await result(
        "gettxout",
        [txid, vout, !options?.inChainOnly],
        (v): v is object | null => v === null || isHeight((v as { confirmations?: unknown }).confirmations),
      );
      return out !== null;
    },
    findSpends,
    async broadcast(rawTxHex) {
      const txid = txidOf(parseTx(hexToBytes(rawTxHex)));
      const sent = await call("sendrawtransaction", [rawTxHex]);
      if (sent.error) {
        const { code, message } = sent.error;
        if (!REFUSALS.has(code)) throw unavailable("sendrawtransaction", `error ${code}: ${message}`);
        // "Already known", "already in the UTXO set": refusals of a transaction the node holds.
        if (await getTransaction(txid)) return txid;
        // Bitcoin Core and bcoin both name the fee (or bcoin's "priority") when that is the reason.
        const refusal = /fee|priority/i.test(message) ? "fee" : "other";
        throw new ChainError("rejected", `node rejected the transaction: ${message}`, refusal);
      }
      if (sent.result !== txid) throw unavailable("sendrawtransaction", "a reply naming another txid");
      // Some nodes (bcoin) answer with a txid at once and verify in the background, dropping an
      // invalid transaction silently: only a transaction the node then holds counts as sent.
      for (
        let waitedMs = 0;
        waitedMs <= (config.broadcastCheckMs ?? BROADCAST_CHECK_MS);
        waitedMs += BROADCAST_POLL_MS
      ) {
        if (await getTransaction(txid)) return txid;
        await new Promise((resolve) => setTimeout(resolve, BROADCAST_POLL_MS));
      }
      throw new ChainError(
        "rejected",
        "the node answered but does not hold the transaction (invalid or conflicting)",
      );
    },
    async feeRateSatPerVb(targetBlocks) {
      // A node without an estimate may say so with an error (or bcoin's {fee: -1}): the fallback then.
      const estimate = await call("estimatesmartfee", [targetBlocks]);
      const btcPerKvb = (estimate.result as { feerate?: unknown } | null)?.feerate;
      // BTC/kvB → sat/vB is × 100,000; the one float here is a fee rate, never an amount.
      return !estimate.error && typeof btcPerKvb === "number" && btcPerKvb > 0
        ? Math.max(1, Math.ceil(btcPerKvb * 100_000))
        : config.fallbackFeeRateSatPerVb;
    },
    mine: (blocks, address) =>
      result("generatetoaddress", [blocks, address], (v): v is string[] => Array.isArray(v)),
  };
}
