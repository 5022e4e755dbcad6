import { beforeAll, describe, expect, it } from "vitest";
import { hub, newMerchant, OPERATOR, tableCounts, testClock } from "./helpers";

const h = hub(testClock());
let shopA: { merchantId: string; key: string };
let shopB: { merchantId: string; key: string };
let invoiceOfA: string;

beforeAll(async () => {
  shopA = await newMerchant(h, "Shop A");
  shopB = await newMerchant(h, "Shop B");
  invoiceOfA = (await h.call("POST", "/v1/invoices", { key: shopA.key, body: { amount_msat: 1_000 } })).body
    .id;
});

describe("merchant authentication", () => {
  it.each([
    ["no Authorization header", undefined, 401, "missing_api_key"],
    ["a malformed key", "sk_short", 401, "invalid_api_key"],
    ["a well-formed but unknown key", `sk_${"A".repeat(43)}`, 401, "invalid_api_key"],
    ["the operator token", OPERATOR, 401, "invalid_api_key"],
  ])("rejects %s", async (_name, key, status, code) => {
    const before = await tableCounts();
    const res = await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 1_000 } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await tableCounts()).toEqual(before);
  });

  it("stores keys hashed: the secret appears nowhere in the database", async () => {
    const { env } = await import("cloudflare:test");
    const { results } = await env.DB.prepare("SELECT * FROM api_keys").all();
    expect(JSON.stringify(results)).not.toContain(shopA.key.slice(3));
  });

  it("hides another merchant's invoice as not found, for reads and writes", async () => {
    const read = await h.call("GET", `/v1/invoices/${invoiceOfA}`, { key: shopB.key });
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe("invoice_not_found");
    const cancel = await h.call("POST", `/v1/invoices/${invoiceOfA}/cancel`, { key: shopB.key });
    expect(cancel.status).toBe(404);
    const list = await h.call("GET", "/v1/invoices", { key: shopB.key });
    expect(list.body.data.map((i: { id: string }) => i.id)).not.toContain(invoiceOfA);
    expect((await h.call("GET", `/v1/invoices/${invoiceOfA}`, { key: shopA.key })).body.status).toBe("open");
  });

  it("enforces scopes: a read-only key reads but cannot write (403 insufficient_scope)", async () => {
    const minted = await h.call("POST", "/v1/api-keys", {
      key: shopA.key,
      body: { scopes: ["invoices:read"], label: "dashboard" },
    });
    expect(minted.status).toBe(201);
    const readOnly = minted.body.secret;
    expect((await h.call("GET", `/v1/invoices/${invoiceOfA}`, { key: readOnly })).status).toBe(200);
    const write = await h.call("POST", "/v1/invoices", { key: readOnly, body: { amount_msat: 1_000 } });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("insufficient_scope");
    const escalate = await h.call("POST", "/v1/api-keys", { key: readOnly, body: {} });
    expect(escalate.status).toBe(403);
  });

  it("a key cannot mint a key with scopes it does not hold", async () => {
    const limited = (
      await h.call("POST", "/v1/api-keys", {
        key: shopA.key,
        body: { scopes: ["invoices:write", "api_keys:write"] },
      })
    ).body.secret;
    const res = await h.call("POST", "/v1/api-keys", {
      key: limited,
      body: { scopes: ["api_keys:read", "invoices:read", "invoices:write"] },
    });
    expect(res.status).toBe(201);
    const keysOnly = (
      await h.call("POST", "/v1/api-keys", { key: shopA.key, body: { scopes: ["api_keys:write"] } })
    ).body.secret;
    const tooMuch = await h.call("POST", "/v1/api-keys", {
      key: keysOnly,
      body: { scopes: ["invoices:write"] },
    });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.body.error.code).toBe("insufficient_scope");
  });

  it("revoked keys stop working at once; listing shows prefixes, never secrets", async () => {
    const minted = (await h.call("POST", "/v1/api-keys", { key: shopA.key, body: { label: "temp" } })).body;
    expect((await h.call("GET", "/v1/invoices", { key: minted.secret })).status).toBe(200);
    const revoked = await h.call("DELETE", `/v1/api-keys/${minted.id}`, { key: shopA.key });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBeTypeOf("number");
    const after = await h.call("GET", "/v1/invoices", { key: minted.secret });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("invalid_api_key");
    const list = await h.call("GET", "/v1/api-keys?limit=100", { key: shopA.key });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(minted.secret);
    const listed = list.body.data.find((k: { id: string }) => k.id === minted.id);
    expect(listed.prefix).toBe(`${minted.secret.slice(0, 11)}…`);
    expect(listed).not.toHaveProperty("secret");
  });

  it("cannot revoke another merchant's key", async () => {
    const minted = (await h.call("POST", "/v1/api-keys", { key: shopA.key, body: {} })).body;
    const res = await h.call("DELETE", `/v1/api-keys/${minted.id}`, { key: shopB.key });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("api_key_not_found");
    expect((await h.call("GET", "/v1/invoices", { key: minted.secret })).status).toBe(200);
  });
});

describe("operator authentication", () => {
  it.each([
    ["no token", undefined],
    ["a wrong token", "not-the-operator-token-0000000000000"],
    ["a merchant key", "merchant"],
  ])("rejects %s with invalid_operator_token and writes nothing", async (_name, token) => {
    const before = await tableCounts();
    const key = token === "merchant" ? shopA.key : token;
    const res = await h.call("POST", "/v1/admin/merchants", { key, body: { name: "Intruder" } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_operator_token");
    expect(await tableCounts()).toEqual(before);
  });

  it("creates keys for a merchant, lists and revokes them", async () => {
    const created = await h.call("POST", `/v1/admin/merchants/${shopB.merchantId}/api-keys`, {
      key: OPERATOR,
      body: { scopes: ["invoices:read"], label: "ops" },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    const list = await h.call("GET", `/v1/admin/merchants/${shopB.merchantId}/api-keys`, { key: OPERATOR });
    expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
    const revoked = await h.call(
      "DELETE",
      `/v1/admin/merchants/${shopB.merchantId}/api-keys/${created.body.id}`,
      { key: OPERATOR },
    );
    expect(revoked.body.revoked_at).toBeTypeOf("number");
    expect((await h.call("GET", "/v1/invoices", { key: created.body.secret })).status).toBe(401);
    const missing = await h.call("POST", "/v1/admin/merchants/mer_nope/api-keys", {
      key: OPERATOR,
      body: {},
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("merchant_not_found");
  });
});
