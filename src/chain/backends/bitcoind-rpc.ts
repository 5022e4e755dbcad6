/** ChainBackend over bitcoind-compatible JSON-RPC (Bitcoin Core, bcoin). */
import { hexToBytes } from "../../crypto";
import { ChainError, type ChainBackend, type ChainTx } from "../backend";
import { parseTx } from "../tx";

export interface RpcConfig {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly timeoutMs: number;
  readonly fallbackFeeRateSatPerVb: number;
}

/** How long a broadcast waits for the node to show the transaction before calling it rejected. */
const BROADCAST_CHECK_MS = 3_000;
const BROADCAST_POLL_MS = 100;

type RpcReply = { result: unknown; error: { code: number; message: string } | null };

/** A raw JSON-RPC caller: replies as the node gives them; unreachable → ChainError("unavailable"). */
export function jsonRpc(config: Pick<RpcConfig, "url" | "user" | "password" | "timeoutMs">) {
  const auth = `Basic ${btoa(`${config.user}:${config.password}`)}`;
  return async function call(method: string, params: unknown[]): Promise<RpcReply> {
    let res: Response;
    try {
      res = await fetch(config.url, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "1.0", id: method, method, params }),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (e) {
      throw new ChainError("unavailable", `bitcoin node unreachable (${method}): ${(e as Error).name}`);
    }
    if (res.status === 401 || res.status === 403)
      throw new ChainError("unavailable", "bitcoin node refused our credentials");
    const body = (await res.json().catch(() => null)) as RpcReply | null;
    if (!body || typeof body !== "object" || !("result" in body)) {
      throw new ChainError(
        "unavailable",
        `bitcoin node gave no JSON-RPC reply to ${method} (HTTP ${res.status})`,
      );
    }
    return body;
  };
}

/** Creates the JSON-RPC backend; credentials go only into the Authorization header. */
export function bitcoindRpc(config: RpcConfig): ChainBackend {
  const call = jsonRpc(config);

  async function result<T>(method: string, params: unknown[]): Promise<T> {
    const reply = await call(method, params);
    if (reply.error) throw new ChainError("rejected", `${method}: ${reply.error.message}`);
    return reply.result as T;
  }

  async function getTransaction(txid: string): Promise<ChainTx | null> {
    const reply = await call("getrawtransaction", [txid, true]);
    if (reply.error || reply.result === null) return null;
    const tx = reply.result as { hex: string; confirmations?: number };
    // Values come from the raw bytes, never from the node's floating-point BTC amounts.
    return { txid, confirmations: tx.confirmations ?? 0, outputs: parseTx(hexToBytes(tx.hex)).outputs };
  }

  return {
    tipHeight: () => result<number>("getblockcount", []),
    getTransaction,
    async isUnspent(txid, vout) {
      return (await result<unknown>("gettxout", [txid, vout, true])) !== null;
    },
    async broadcast(rawTxHex) {
      const sent = await call("sendrawtransaction", [rawTxHex]);
      if (sent.error) {
        // Bitcoin Core and bcoin both name the fee (or bcoin's "priority") when that is the reason.
        const refusal = /fee|priority/i.test(sent.error.message) ? "fee" : "other";
        throw new ChainError("rejected", `node rejected the transaction: ${sent.error.message}`, refusal);
      }
      const txid = sent.result as string;
      // Some nodes (bcoin) answer with a txid at once and verify in the background, dropping an
      // invalid transaction silently: only a transaction the node then holds counts as sent.
      for (let waitedMs = 0; waitedMs <= BROADCAST_CHECK_MS; waitedMs += BROADCAST_POLL_MS) {
        if (await getTransaction(txid)) return txid;
        await new Promise((resolve) => setTimeout(resolve, BROADCAST_POLL_MS));
      }
      throw new ChainError(
        "rejected",
        "the node answered but does not hold the transaction (invalid or conflicting)",
      );
    },
    async feeRateSatPerVb(targetBlocks) {
      const estimate = await result<{ feerate?: number }>("estimatesmartfee", [targetBlocks]).catch(
        () => ({}),
      );
      const btcPerKvb = (estimate as { feerate?: number }).feerate;
      // BTC/kvB → sat/vB is × 100,000; the one float here is a fee rate, never an amount.
      return typeof btcPerKvb === "number" && btcPerKvb > 0
        ? Math.max(1, Math.ceil(btcPerKvb * 100_000))
        : config.fallbackFeeRateSatPerVb;
    },
    mine: (blocks, address) => result<string[]>("generatetoaddress", [blocks, address]),
  };
}
