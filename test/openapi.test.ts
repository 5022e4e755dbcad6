import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { buildApp, openApiDocument } from "../src/app";
import committed from "../openapi/openapi.json";
import { loadConfig } from "../src/config";
import { openDb } from "../src/db/client";
import { refreshRates } from "../src/rates/service";
import { runTick } from "../src/scheduled";
import { type CallOptions, hub, OPERATOR, random, type Reply, testClock } from "./helpers";
import { outsidePayer } from "./payers";
import { CHAIN_ENV, fund } from "./regtest";

type Json = Record<string, any>;
const spec = committed as Json;

/** Inlines `#/components/schemas/*` refs and forbids undocumented fields in objects. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== "object") return schema;
  const s = schema as Json;
  if (typeof s.$ref === "string")
    return strict(spec.components.schemas[s.$ref.replace("#/components/schemas/", "")]);
  const out: Json = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, strict(v)]));
  if (out.type === "object" && out.properties && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

/** The documented operation for a concrete request path. */
function operationFor(method: string, path: string): Json | undefined {
  const bare = path.split("?")[0]!;
  for (const [template, ops] of Object.entries(spec.paths as Json)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(bare)) return (ops as Json)[method.toLowerCase()];
  }
  return undefined;
}

const checked: string[] = [];

/** Calls the hub and checks the real response against the committed spec. */
async function call(
  h: ReturnType<typeof hub>,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const res = await h.call(method, path, options);
  const op = operationFor(method, path);
  expect(op, `${method} ${path} is documented`).toBeDefined();
  const response = op!.responses[String(res.status)];
  expect(response, `${method} ${path} documents status ${res.status}`).toBeDefined();
  const schema = strict(response.content["application/json"].schema);
  const result = new Validator(schema as object, "2020-12", false).validate(res.body);
  expect(result.errors, `${method} ${path} ${res.status} matches the spec`).toEqual([]);
  checked.push(`${method} ${res.status}`);
  return res;
}

describe("OpenAPI document", () => {
  it("the committed openapi/openapi.json is what the code generates (run `npm run openapi`)", () => {
    const generated = openApiDocument(buildApp({ clock: testClock(), random }));
    expect(JSON.parse(JSON.stringify(generated))).toEqual(committed);
  });

  it("is served at /openapi.json with docs at /docs", async () => {
    const h = hub();
    expect((await h.call("GET", "/openapi.json")).body).toEqual(committed);
    const docs = await h.app.request("/docs", {}, (await import("cloudflare:test")).env);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("/openapi.json");
  });

  it("documents every route the app serves", () => {
    const app = buildApp({ clock: testClock(), random });
    const served = app.routes
      .filter((r) => r.method !== "ALL" && !["/openapi.json", "/docs"].includes(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(spec.paths as Json).flatMap(([p, ops]) =>
      Object.keys(ops as Json).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });
});

describe("real responses match the spec", () => {
  it("for every route, success and error alike", async () => {
    const clock = testClock();
    const h = hub(clock, CHAIN_ENV);
    const created = await call(h, "POST", "/v1/admin/merchants", {
      key: OPERATOR,
      body: { name: "Contract Shop" },
    });
    const key = created.body.api_key.secret;
    const merchantId = created.body.merchant.id;
    await call(h, "POST", "/v1/admin/merchants", { key: "wrong", body: { name: "x" } });
    await call(h, "POST", "/v1/admin/merchants", { key: OPERATOR, body: {} });
    await call(h, "GET", "/v1/node");
    await call(h, "GET", "/healthz");

    const inv = await call(h, "POST", "/v1/invoices", {
      key,
      body: { amount_msat: 42_000, description: "contract", metadata: { a: "b" } },
    });
    await call(h, "POST", "/v1/invoices", { key, body: { amount_msat: -1 } });
    await call(h, "POST", "/v1/invoices", { body: { amount_msat: 1 } });
    await call(h, "POST", "/v1/invoices", { key, raw: "x".repeat(70_000) });
    await call(h, "POST", "/v1/invoices", {
      key,
      body: { amount_msat: 1 },
      headers: { "idempotency-key": "k1" },
    });
    await call(h, "POST", "/v1/invoices", {
      key,
      body: { amount_msat: 2 },
      headers: { "idempotency-key": "k1" },
    });
    await call(h, "GET", `/v1/invoices/${inv.body.id}`, { key });
    await call(h, "GET", "/v1/invoices/inv_missing", { key });
    await call(h, "GET", "/v1/invoices?limit=1", { key });
    await call(h, "GET", "/v1/invoices?limit=zero", { key });
    await call(h, "POST", "/v1/bolt11/decode", { body: { invoice: inv.body.bolt11 } });
    await call(h, "POST", "/v1/bolt11/decode", { body: { invoice: "lnbc1nope" } });
    await call(h, "GET", `/v1/checkout/${inv.body.id}`);
    await call(h, "GET", "/v1/checkout/inv_missing");
    await call(h, "POST", `/v1/invoices/${inv.body.id}/cancel`, { key });
    const short = await call(h, "POST", "/v1/invoices", {
      key,
      body: { amount_msat: 5, expiry_seconds: 60 },
    });
    clock.advanceSeconds(61);
    await call(h, "POST", `/v1/invoices/${short.body.id}/cancel`, { key });

    const readOnly = await call(h, "POST", "/v1/api-keys", { key, body: { scopes: ["invoices:read"] } });
    await call(h, "POST", "/v1/invoices", { key: readOnly.body.secret, body: { amount_msat: 1 } });
    await call(h, "GET", "/v1/api-keys", { key });
    await call(h, "DELETE", `/v1/api-keys/${readOnly.body.id}`, { key });
    await call(h, "DELETE", "/v1/api-keys/key_missing", { key });
    const opKey = await call(h, "POST", `/v1/admin/merchants/${merchantId}/api-keys`, {
      key: OPERATOR,
      body: {},
    });
    await call(h, "GET", `/v1/admin/merchants/${merchantId}/api-keys`, { key: OPERATOR });
    await call(h, "DELETE", `/v1/admin/merchants/${merchantId}/api-keys/${opKey.body.id}`, { key: OPERATOR });

    const wallet = outsidePayer();
    const channel = await call(h, "POST", "/v1/channels", {
      body: { payer_pubkey: wallet.pubkey, capacity_sat: 30_000 },
    });
    await call(h, "POST", "/v1/channels", { body: { payer_pubkey: "02", capacity_sat: 30_000 } });
    await call(h, "GET", `/v1/channels/${channel.body.id}`);
    await call(h, "GET", "/v1/channels/ch_missing");
    await call(h, "POST", `/v1/channels/${channel.body.id}/funding`, {
      body: { txid: "ab".repeat(32), vout: 0, signature: "00".repeat(70) },
    });
    // A transaction the node has not seen: opening, unverified (funding_verified_at null).
    await call(h, "POST", `/v1/channels/${channel.body.id}/funding`, {
      body: wallet.funding(channel.body.id, { txid: "ab".repeat(32), vout: 0 }),
    });
    await call(h, "POST", `/v1/channels/${channel.body.id}/close`, { body: { signature: "00".repeat(70) } });
    const outpoint = await fund(channel.body.funding_script_pubkey, 30_000);
    await call(h, "POST", `/v1/channels/${channel.body.id}/funding`, {
      body: wallet.funding(channel.body.id, outpoint),
    });
    await call(h, "GET", "/v1/merchant", { key });
    await call(h, "PATCH", "/v1/merchant", { key, body: { payout_threshold_msat: 2_000_000 } });
    await call(h, "PATCH", "/v1/merchant", { key, body: { payout_address: "nope" } });
    // Fiat: a price with no rate yet (503), then with rates; the display currency; refunds; reports' errors.
    await call(h, "POST", "/v1/invoices", { key, body: { price: { currency: "EUR", amount_minor: 350 } } });
    await refreshRates(openDb(h.env.DB), loadConfig(h.env).rates, clock.nowMs());
    await call(h, "PATCH", "/v1/merchant", {
      key,
      body: { display_currency: "EUR", rate_spread_ppm: 1_000 },
    });
    await call(h, "POST", "/v1/invoices", { key, body: { price: { currency: "EUR", amount_minor: 350 } } });
    await call(h, "POST", "/v1/invoices", { key, body: { amount_msat: 10_000 } });
    await call(h, "POST", "/v1/refunds", {
      key,
      body: { payment_id: "pay_missing", fiat: { amount_minor: 1, rate: "current" } },
    });
    await call(h, "GET", "/v1/balance", { key });
    await call(h, "GET", "/v1/reports/payments.csv?from=2026-12-02&to=2026-12-01", { key });
    await call(h, "GET", "/v1/reports/refunds.csv?from=nope&to=2026-12-01", { key });
    await call(h, "GET", "/v1/reports/payouts.csv?from=2026-12-01&to=2026-12-02", {
      key: readOnly.body.secret,
    });
    await call(h, "GET", "/v1/payouts?limit=5", { key });
    await call(h, "GET", "/v1/payouts/po_missing", { key });
    await call(h, "GET", "/v1/settlements/stl_missing");
    await call(h, "GET", "/v1/settlements/stl_missing/proof", { key });
    await call(h, "GET", "/v1/admin/hub", { key: OPERATOR });
    await call(h, "POST", "/v1/admin/wallet/utxos", { key: OPERATOR, body: outpoint });
    await call(h, "POST", "/v1/admin/settlements", { key: OPERATOR });
    const down = hub(clock, { ...CHAIN_ENV, BITCOIN_RPC_URL: "http://127.0.0.1:9/" });
    await call(down, "POST", "/v1/channels", { body: { payer_pubkey: wallet.pubkey, capacity_sat: 30_000 } });

    // Webhook endpoints (merchant and operator), events, deliveries, redelivery.
    const hookUrl = "http://127.0.0.1:9/hooks";
    const we = await call(h, "POST", "/v1/webhook-endpoints", { key, body: { url: hookUrl } });
    await call(h, "POST", "/v1/webhook-endpoints", { key, body: { url: "ftp://shop.example/" } });
    await call(h, "GET", "/v1/webhook-endpoints?limit=5", { key });
    await call(h, "GET", `/v1/webhook-endpoints/${we.body.id}`, { key });
    await call(h, "GET", "/v1/webhook-endpoints/we_missing", { key });
    await call(h, "PATCH", `/v1/webhook-endpoints/${we.body.id}`, { key, body: { description: "contract" } });
    await call(h, "PATCH", `/v1/webhook-endpoints/${we.body.id}`, { key, body: {} });
    await call(h, "POST", `/v1/webhook-endpoints/${we.body.id}/rotate-secret`, { key });
    await call(h, "POST", `/v1/webhook-endpoints/${we.body.id}/rotate-secret`, {
      key,
      body: { overlap_seconds: 60 },
    });
    const events = await call(h, "GET", "/v1/events?limit=2", { key });
    await call(h, "GET", "/v1/events?type=invoice.bogus", { key });
    const eventId = events.body.data[0].id;
    await call(h, "GET", `/v1/events/${eventId}`, { key });
    await call(h, "GET", "/v1/events/evt_missing", { key });
    await call(h, "POST", `/v1/events/${eventId}/redeliver`, { key });
    await runTick(h.env, clock, random);
    const deliveries = await call(h, "GET", `/v1/events/${eventId}/deliveries`, { key });
    expect(deliveries.body.data[0].attempts).toHaveLength(1);
    await call(h, "DELETE", `/v1/webhook-endpoints/${we.body.id}`, { key });
    await call(h, "POST", `/v1/events/${eventId}/redeliver`, { key, body: { endpoint_id: we.body.id } });
    await call(h, "POST", `/v1/events/${eventId}/redeliver`, { key });
    const op = await call(h, "POST", "/v1/admin/webhook-endpoints", {
      key: OPERATOR,
      body: { url: hookUrl },
    });
    await call(h, "GET", "/v1/admin/webhook-endpoints", { key: OPERATOR });
    await call(h, "GET", `/v1/admin/webhook-endpoints/${op.body.id}`, { key: OPERATOR });
    await call(h, "PATCH", `/v1/admin/webhook-endpoints/${op.body.id}`, {
      key: OPERATOR,
      body: { enabled: false },
    });
    await call(h, "POST", `/v1/admin/webhook-endpoints/${op.body.id}/rotate-secret`, { key: OPERATOR });
    await call(h, "DELETE", `/v1/admin/webhook-endpoints/${op.body.id}`, { key: OPERATOR });
    await call(h, "GET", "/v1/admin/webhook-endpoints", { key });

    // Lightning Addresses and the public LNURL-pay endpoints (errors in LNURL's shape).
    const address = await call(h, "POST", "/v1/lightning-addresses", {
      key,
      body: { name: "contract", comment_allowed: 10 },
    });
    await call(h, "POST", "/v1/lightning-addresses", { key, body: { name: "Bad Name" } });
    await call(h, "POST", "/v1/lightning-addresses", { key, body: { name: "contract" } });
    await call(h, "GET", "/v1/lightning-addresses?limit=5", { key });
    await call(h, "GET", `/v1/lightning-addresses/${address.body.id}`, { key });
    await call(h, "GET", "/v1/lightning-addresses/lna_missing", { key });
    await call(h, "GET", "/.well-known/lnurlp/contract");
    await call(h, "GET", "/.well-known/lnurlp/nobody");
    const lnurlInvoice = await call(h, "GET", "/lnurlp/contract/callback?amount=5000&comment=hi");
    await call(h, "GET", "/lnurlp/contract/callback?amount=five");
    await call(h, "GET", new URL(lnurlInvoice.body.verify).pathname);
    await call(h, "GET", "/lnurlp/contract/verify/inv_missing");
    await call(h, "POST", `/v1/lightning-addresses/${address.body.id}/disable`, { key });
    await call(h, "GET", "/.well-known/lnurlp/contract");

    // Payment links (the page /l/{id} answers HTML, checked in test/links.test.ts).
    const link = await call(h, "POST", "/v1/payment-links", {
      key,
      body: { amount_msat: 5_000, description: "x" },
    });
    await call(h, "POST", "/v1/payment-links", { key, body: { amount_msat: 0 } });
    await call(h, "GET", "/v1/payment-links?limit=5", { key });
    await call(h, "GET", `/v1/payment-links/${link.body.id}`, { key });
    await call(h, "GET", "/v1/payment-links/pl_missing", { key });
    await call(h, "POST", `/v1/payment-links/${link.body.id}/disable`, { key });
    await call(h, "POST", "/v1/payment-links/pl_missing/disable", { key });

    // Every status class the scenario was meant to reach was reached.
    for (const status of ["200", "201", "400", "401", "403", "404", "409", "410", "413", "422", "503"]) {
      expect(
        checked.some((c) => c.endsWith(status)),
        `some response had status ${status}`,
      ).toBe(true);
    }
  });
});
