/**
 * A fault-injecting JSON-RPC proxy in front of a regtest node (runs in Node: global-setup.ts starts
 * one per asking test file, since workerd cannot listen). It forwards calls to the node, except
 * that under a fault plan chosen RPC methods fail — JSON-RPC errors of several codes, HTTP 500,
 * a reset connection (before or after the node acted), a timeout, a garbled reply, a stale reply
 * (an earlier real answer to the same call), a plausible "not found", or Bitcoin Core's refusals
 * of sendrawtransaction. Which calls fail is a pure function of (seed, call, how many times that
 * call was made), so a seed replays the same faults whatever the interleaving.
 *
 * Control: POST <url>__faults with a FaultPlan (or `{"rules": []}` for none), GET for counts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FAULT_KINDS = [
  "rpc_error",
  "not_found",
  "http_500",
  "reset",
  "reset_after",
  "timeout",
  "garbled",
  "stale",
  "already_in_chain",
  "already_known",
  "missing_inputs",
  "fee_refused",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** RPC method names this rule applies to. */
  readonly methods: readonly string[];
  readonly kinds: readonly FaultKind[];
  /** Share of matching calls that fail, 0..1. */
  readonly rate: number;
}

export interface FaultPlan {
  readonly seed: number;
  /** The first rule naming a call's method decides it. */
  readonly rules: readonly FaultRule[];
  /** How long a "timeout" holds the connection before dropping it (longer than the hub waits). */
  readonly holdMs?: number;
}

export interface FaultCounts {
  readonly calls: number;
  /** `method kind` → times injected. */
  readonly faults: Record<string, number>;
}

/** Errors a node gives when it cannot answer (none of them means "not found"). */
const RPC_ERRORS = [
  { code: -28, message: "Loading block index..." },
  { code: -32603, message: "Internal error" },
  { code: -1, message: "Database read failure" },
  { code: -20, message: "Database error" },
  { code: -8, message: "Invalid parameter" },
];

/** FNV-1a of a string, then a 32-bit avalanche: a uniform number in [0, 1). */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });

/** Starts a proxy in front of `target` (the node's RPC URL); returns its URL and a stop function. */
export async function startFaultProxy(target: { url: string }) {
  let plan: FaultPlan = { seed: 0, rules: [] };
  let calls = 0;
  const faults: Record<string, number> = {};
  const seen = new Map<string, number>();
  /** Real replies per call (method + params), oldest first: what a stale answer replays. */
  const history = new Map<string, { status: number; body: string }[]>();
  const held = new Set<ServerResponse>();

  async function forward(req: IncomingMessage, body: string) {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        authorization: req.headers.authorization ?? "",
        "content-type": "application/json",
      },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  function reply(res: ServerResponse, status: number, body: string) {
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  }
  /** The connection drops in the middle of the reply. (Dropped before any byte, it does the same
   * to the hub, but workerd then also logs an uncaught rejection of its own; either way workerd
   * logs one "stream disconnected prematurely" line, which is this fault, not a failure.) */
  function cut(res: ServerResponse) {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"result":');
    setTimeout(() => res.socket?.destroy(), 10);
  }
  const rpcError = (id: unknown, code: number, message: string) =>
    JSON.stringify({ result: null, error: { code, message }, id });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    if (req.url?.startsWith("/__faults")) {
      if (req.method === "POST") {
        plan = JSON.parse(body) as FaultPlan;
        res.writeHead(204).end();
      } else {
        reply(res, 200, JSON.stringify({ calls, faults } satisfies FaultCounts));
      }
      return;
    }
    let call: { method?: string; params?: unknown[]; id?: unknown };
    try {
      call = JSON.parse(body);
    } catch {
      call = {};
    }
    const method = String(call.method);
    const key = `${method} ${JSON.stringify(call.params ?? [])}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    calls++;
    const rule = plan.rules.find((r) => r.methods.includes(method));
    const roll = (salt: string) => unit(`${plan.seed}|${key}|${n}|${salt}`);
    const kind =
      rule && rule.kinds.length > 0 && roll("fail") < rule.rate
        ? rule.kinds[Math.floor(roll("kind") * rule.kinds.length)]!
        : null;
    const past = history.get(key) ?? [];
    // A stale answer needs an earlier one to replay; without one the call goes through.
    const injected = kind === "stale" && past.length < 2 ? null : kind;
    if (injected) faults[`${method} ${injected}`] = (faults[`${method} ${injected}`] ?? 0) + 1;
    const real = async () => {
      const got = await forward(req, body);
      history.set(key, [...past, got].slice(-20));
      return got;
    };
    switch (injected) {
      case null:
      case undefined: {
        const got = await real();
        return reply(res, got.status, got.body);
      }
      case "rpc_error": {
        const e = RPC_ERRORS[Math.floor(roll("code") * RPC_ERRORS.length)]!;
        // Bitcoin Core sends errors with HTTP 500, bcoin with 200.
        return reply(res, roll("status") < 0.5 ? 500 : 200, rpcError(call.id, e.code, e.message));
      }
      case "not_found":
        // What a node that lost its mempool (or a gettxout of a spent output) says.
        if (method === "gettxout")
          return reply(res, 200, JSON.stringify({ result: null, error: null, id: call.id }));
        return roll("flavour") < 0.5
          ? reply(res, 500, rpcError(call.id, -5, "No such mempool or blockchain transaction"))
          : reply(res, 200, rpcError(call.id, -1, "Transaction not found."));
      case "http_500":
        return res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error");
      case "reset":
        return cut(res);
      case "reset_after":
        // The node acted (a broadcast went out) but its answer is lost.
        await real();
        return cut(res);
      case "timeout": {
        await real();
        held.add(res);
        await new Promise((resolve) => setTimeout(resolve, plan.holdMs ?? 1_500));
        held.delete(res);
        return req.socket.destroy();
      }
      case "garbled": {
        const got = await real();
        return roll("flavour") < 0.5
          ? reply(res, 200, got.body.slice(0, Math.floor(got.body.length / 2)))
          : reply(
              res,
              200,
              JSON.stringify({ result: { hex: "zz", confirmations: -1 }, error: null, id: call.id }),
            );
      }
      case "stale": {
        const old = past[Math.floor(roll("which") * (past.length - 1))]!;
        return reply(res, old.status, old.body);
      }
      case "already_in_chain":
        await real();
        return reply(res, 500, rpcError(call.id, -27, "Transaction outputs already in utxo set"));
      case "already_known":
        await real();
        return reply(res, 500, rpcError(call.id, -26, "txn-already-known"));
      case "missing_inputs":
        return reply(res, 500, rpcError(call.id, -25, "bad-txns-inputs-missingorspent"));
      case "fee_refused":
        return reply(res, 500, rpcError(call.id, -26, "min relay fee not met"));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(e.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      for (const res of held) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
