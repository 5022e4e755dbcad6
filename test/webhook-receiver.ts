/**
 * Real HTTP webhook receivers for the tests, run in Node by global-setup.ts (workerd can fetch
 * 127.0.0.1 but cannot listen). A small control server on loopback creates receivers on free
 * ports, sets how each answers, and hands back everything each one got (headers and raw body), so
 * the tests verify every delivery with the `standardwebhooks` package themselves.
 *
 *   POST   /receivers                {behaviour}  → {id, url}
 *   PUT    /receivers/:id/behaviour  {behaviour}  → 204
 *   GET    /receivers/:id/requests                → Received[] (in arrival order)
 *   DELETE /receivers/:id                         → 204
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the webhook receiver control server (see test/webhook-receiver.ts). */
    webhookControlUrl: string;
  }
}

/** How a receiver answers. */
export type Behaviour =
  /** Every request: this status (default 200), with these headers (Location, Retry-After, …). */
  | { mode: "status"; status?: number; headers?: Record<string, string> }
  /** This fraction at random fails (500, 503, 429 or the connection dropped); the rest get 200. */
  | { mode: "random"; failRate: number }
  /** Down: every connection is dropped without an answer. */
  | { mode: "down" }
  /** Answers 200 only after this long (for timeouts). */
  | { mode: "hang"; ms: number };

/** One request as the receiver got it, and what it answered. */
export interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly answer: number | "dropped";
}

interface Receiver {
  server: Server;
  behaviour: Behaviour;
  received: Received[];
}

const RANDOM_FAILURES = [500, 503, 429, "dropped"] as const;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

async function answer(receiver: Receiver, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  const record = (answer: number | "dropped") =>
    receiver.received.push({ headers: flatHeaders(req), body, answer });
  const b = receiver.behaviour;
  let outcome: number | "dropped" = 200;
  let headers: Record<string, string> = {};
  if (b.mode === "down") outcome = "dropped";
  else if (b.mode === "random" && Math.random() < b.failRate) {
    outcome = RANDOM_FAILURES[Math.floor(Math.random() * RANDOM_FAILURES.length)]!;
  } else if (b.mode === "status") {
    outcome = b.status ?? 200;
    headers = b.headers ?? {};
  } else if (b.mode === "hang") {
    await new Promise((r) => setTimeout(r, b.ms));
    if (res.destroyed || req.socket.destroyed) return record("dropped");
  }
  record(outcome);
  if (outcome === "dropped") {
    req.socket.destroy();
    return;
  }
  // A body the hub must never echo back anywhere.
  res.writeHead(outcome, { "content-type": "text/plain", ...headers }).end(`receiver-secret-body-${outcome}`);
}

function json(res: ServerResponse, status: number, value?: unknown) {
  if (value === undefined) res.writeHead(status).end();
  else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
}

/** Starts the control server; `close()` stops it and every receiver. */
export async function startWebhookReceivers(): Promise<{ url: string; close(): Promise<void> }> {
  const receivers = new Map<string, Receiver>();
  let next = 0;

  async function create(behaviour: Behaviour) {
    const receiver: Receiver = { server: createServer(), behaviour, received: [] };
    receiver.server.on("request", (req, res) => {
      answer(receiver, req, res).catch(() => req.socket.destroy());
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    const id = String(++next);
    receivers.set(id, receiver);
    const { port } = receiver.server.address() as AddressInfo;
    return { id, url: `http://127.0.0.1:${port}/hooks/sluice` };
  }

  function close(receiver: Receiver) {
    receiver.server.closeAllConnections();
    return new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }

  const control = createServer((req, res) => {
    const [, root, id, action] = (req.url ?? "").split("/");
    const receiver = id ? receivers.get(id) : undefined;
    (async () => {
      if (root !== "receivers") return json(res, 404);
      if (req.method === "POST" && !id) return json(res, 201, await create(JSON.parse(await readBody(req))));
      if (!receiver) return json(res, 404);
      if (req.method === "PUT" && action === "behaviour") {
        receiver.behaviour = JSON.parse(await readBody(req));
        return json(res, 204);
      }
      if (req.method === "GET" && action === "requests") return json(res, 200, receiver.received);
      if (req.method === "DELETE" && !action) {
        receivers.delete(id!);
        await close(receiver);
        return json(res, 204);
      }
      return json(res, 404);
    })().catch((e: Error) => json(res, 500, { error: e.message }));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const { port } = control.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/receivers`,
    async close() {
      control.close();
      await Promise.all([...receivers.values()].map(close));
    },
  };
}
