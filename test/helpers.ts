/** Test harness: the real app over the real D1 (migrations applied), with a clock the test drives. */
import { env } from "cloudflare:test";
import { buildApp } from "../src/app";
import { wasmEcdsa } from "../src/chain/secp256k1-wasm";
import type { Clock } from "../src/core/clock";
import { TEST_BINDINGS } from "./bindings";

export const OPERATOR = TEST_BINDINGS.OPERATOR_TOKEN;

export interface TestClock extends Clock {
  advanceSeconds(seconds: number): void;
}

/** A clock that stands still until the test moves it. */
export function testClock(startMs = Date.now()): TestClock {
  let now = startMs;
  return { nowMs: () => now, advanceSeconds: (s) => (now += s * 1000) };
}

export const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

/** A client over an app instance sharing the test file's D1 (with extra env, e.g. the regtest node). */
export function hub(clock: TestClock = testClock(), extraEnv: Partial<Cloudflare.Env> = {}) {
  const app = buildApp({ clock, random, ecdsa: wasmEcdsa });
  const appEnv = { ...env, ...extraEnv };
  async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined = options.raw;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !("content-type" in headers)) headers["content-type"] = "application/json";
    const res = await app.request(path, { method, headers, body }, appEnv);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }
  /** fetch over this app, for SDK clients: `new SluiceClient("http://hub", h.fetch)`. */
  const fetch = (url: string, init?: RequestInit) => app.request(url, init, appEnv) as Promise<Response>;
  return { app, clock, call, env: appEnv, fetch };
}

export type Hub = ReturnType<typeof hub>;

/** Creates a merchant through the operator API; returns its id and full-scope key. */
export async function newMerchant(h: Hub, name = "Test Shop", scopes?: string[]) {
  const res = await h.call("POST", "/v1/admin/merchants", {
    key: OPERATOR,
    body: { name, ...(scopes ? { scopes } : {}) },
  });
  if (res.status !== 201) throw new Error(`merchant creation failed: ${JSON.stringify(res.body)}`);
  return { merchantId: res.body.merchant.id as string, key: res.body.api_key.secret as string };
}

/** Row counts of the tables a request could write, to prove a rejected request changed nothing. */
export async function tableCounts() {
  const tables = [
    "merchants",
    "api_keys",
    "invoices",
    "events",
    "idempotency_keys",
    "channels",
    "lightning_addresses",
    "payment_links",
    "payment_link_visits",
  ];
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>();
    counts[t] = row?.n ?? -1;
  }
  return counts;
}
