/**
 * Real HTTP exchange-rate providers for the tests, run in Node by global-setup.ts (workerd can fetch
 * 127.0.0.1 but cannot listen). Each answers in one provider's documented format (Kraken public
 * Ticker, Coinbase spot price, Bitstamp ticker) for the currency in the request path, or fails the
 * way it is told to: an HTTP error, a hang, garbage, a body too large, a redirect, a stale time.
 *
 *   POST /providers                {format, behaviour}  → {id, url}
 *   PUT  /providers/:id/behaviour  {behaviour}          → 204
 *   GET  /providers/:id/requests                        → string[] (request paths, in order)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the rate provider control server (see test/rate-providers.ts). */
    rateControlUrl: string;
  }
}

export type ProviderFormat = "kraken" | "coinbase" | "bitstamp";

/** How a provider answers. */
export type ProviderBehaviour =
  /** Prices (decimal text) per currency, in the format; Bitstamp dates its answer `timestamp` (default: now). */
  | { mode: "ok"; prices: Record<string, string>; timestamp?: number }
  /** This status with a small JSON error body. */
  | { mode: "status"; status: number }
  /** 200 with exactly this body. */
  | { mode: "raw"; body: string }
  /** 200 with a valid-looking body past the hub's size limit. */
  | { mode: "huge" }
  /** Answers only after this long. */
  | { mode: "hang"; ms: number };

interface Provider {
  format: ProviderFormat;
  server: Server;
  behaviour: ProviderBehaviour;
  requests: string[];
}

/** The currency a request asks for, by each provider's URL shape. */
function currencyOf(format: ProviderFormat, path: string): string | null {
  const patterns: Record<ProviderFormat, RegExp> = {
    kraken: /^\/0\/public\/Ticker\?pair=XBT([A-Z]{3})$/,
    coinbase: /^\/v2\/prices\/BTC-([A-Z]{3})\/spot$/,
    bitstamp: /^\/api\/v2\/ticker\/btc([a-z]{3})\/$/,
  };
  return patterns[format].exec(path)?.[1]?.toUpperCase() ?? null;
}

/** The provider's documented success body for one price. */
function body(format: ProviderFormat, currency: string, price: string, timestamp: number): unknown {
  switch (format) {
    case "kraken": {
      // Kraken names fiat pairs XXBTZ<CUR> for its oldest markets and XBT<CUR> for newer ones.
      const pair = ["USD", "EUR", "GBP", "JPY", "CAD"].includes(currency)
        ? `XXBTZ${currency}`
        : `XBT${currency}`;
      return {
        error: [],
        result: {
          [pair]: {
            a: [price, "1", "1.000"],
            b: [price, "1", "1.000"],
            c: [price, "0.00067643"],
            v: ["4083.67001100", "4412.73601799"],
            p: [price, price],
            t: [34619, 38907],
            l: [price, price],
            h: [price, price],
            o: price,
          },
        },
      };
    }
    case "coinbase":
      return { data: { amount: price, base: "BTC", currency } };
    case "bitstamp":
      return {
        timestamp: String(timestamp),
        open: price,
        high: price,
        low: price,
        last: price,
        volume: "1234.5",
        vwap: price,
        bid: price,
        ask: price,
        side: "0",
        open_24: price,
        percent_change_24: "0.10",
      };
  }
}

async function answer(p: Provider, req: IncomingMessage, res: ServerResponse) {
  const path = req.url ?? "";
  p.requests.push(path);
  const b = p.behaviour;
  const json = (status: number, value: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
  if (b.mode === "hang") {
    await new Promise((r) => setTimeout(r, b.ms));
    if (!res.destroyed) json(200, { late: true });
    return;
  }
  if (b.mode === "status") {
    if (b.status >= 300 && b.status < 400)
      return res.writeHead(b.status, { location: "http://127.0.0.1:1/" }).end();
    return json(b.status, { error: ["EService:Unavailable"] });
  }
  if (b.mode === "raw") return res.writeHead(200, { "content-type": "application/json" }).end(b.body);
  const currency = currencyOf(p.format, path);
  if (b.mode === "huge") return json(200, { data: { amount: "90000.00", pad: "x".repeat(32 * 1024) } });
  const price = currency ? b.prices[currency] : undefined;
  if (!currency || price === undefined) {
    return p.format === "kraken"
      ? json(200, { error: ["EQuery:Unknown asset pair"] })
      : json(404, { errors: [{ id: "not_found" }] });
  }
  return json(200, body(p.format, currency, price, b.timestamp ?? Math.floor(Date.now() / 1000)));
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

/** Starts the control server; `close()` stops it and every provider. */
export async function startRateProviders(): Promise<{ url: string; close(): Promise<void> }> {
  const providers = new Map<string, Provider>();
  let next = 0;
  const listen = (server: Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
  const control = createServer((req, res) => {
    const [, root, id, action] = (req.url ?? "").split("/");
    const provider = id ? providers.get(id) : undefined;
    const reply = (status: number, value?: unknown) =>
      value === undefined
        ? res.writeHead(status).end()
        : res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    (async () => {
      if (root !== "providers") return reply(404);
      if (req.method === "POST" && !id) {
        const { format, behaviour } = JSON.parse(await readBody(req));
        const p: Provider = { format, behaviour, server: createServer(), requests: [] };
        p.server.on("request", (rq, rs) => void answer(p, rq, rs).catch(() => rq.socket.destroy()));
        const port = await listen(p.server);
        const newId = String(++next);
        providers.set(newId, p);
        return reply(201, { id: newId, url: `http://127.0.0.1:${port}` });
      }
      if (!provider) return reply(404);
      if (req.method === "PUT" && action === "behaviour") {
        provider.behaviour = JSON.parse(await readBody(req));
        return reply(204);
      }
      if (req.method === "GET" && action === "requests") return reply(200, provider.requests);
      return reply(404);
    })().catch((e: Error) => reply(500, { error: e.message }));
  });
  const port = await listen(control);
  const stop = (server: Server) => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}/providers`,
    async close() {
      await stop(control);
      await Promise.all([...providers.values()].map((p) => stop(p.server)));
    },
  };
}
