import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../src/db/client";
import { claimKey } from "../src/idempotency/store";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";

const clock = testClock();
const h = hub(clock);
let shop: { merchantId: string; key: string };

beforeAll(async () => {
  shop = await newMerchant(h, "Idempotent Shop");
});

const create = (idemKey: string, body: unknown) =>
  h.call("POST", "/v1/invoices", { key: shop.key, body, headers: { "idempotency-key": idemKey } });

const invoiceCount = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM invoices WHERE merchant_id = ?")
    .bind(shop.merchantId)
    .first<{ n: number }>())!.n;

describe("Idempotency-Key", () => {
  it("same key + same body → the same response, and only one invoice", async () => {
    const before = await invoiceCount();
    const first = await create("order-1", { amount_msat: 5_000 });
    const second = await create("order-1", { amount_msat: 5_000 });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await invoiceCount()).toBe(before + 1);
  });

  it("same key + different body → 422 idempotency_key_reused, nothing written", async () => {
    await create("order-2", { amount_msat: 5_000 });
    const counts = await tableCounts();
    const res = await create("order-2", { amount_msat: 6_000 });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("idempotency_key_reused");
    expect(await tableCounts()).toEqual(counts);
  });

  it("the same key on a different path is a different request (422)", async () => {
    const inv = (await create("order-3", { amount_msat: 5_000 })).body;
    const res = await h.call("POST", `/v1/invoices/${inv.id}/cancel`, {
      key: shop.key,
      headers: { "idempotency-key": "order-3" },
    });
    expect(res.status).toBe(422);
  });

  it("keys are per merchant: another merchant may use the same key", async () => {
    const other = await newMerchant(h, "Other Shop");
    await create("shared-key", { amount_msat: 5_000 });
    const res = await h.call("POST", "/v1/invoices", {
      key: other.key,
      body: { amount_msat: 7_000 },
      headers: { "idempotency-key": "shared-key" },
    });
    expect(res.status).toBe(201);
    expect(res.body.amount_msat).toBe(7_000);
  });

  it("a duplicate while the first is still in flight → 409 idempotency_in_progress", async () => {
    const body = JSON.stringify({ amount_msat: 5_000 });
    const { bytesToHex, sha256, utf8ToBytes } = await import("../src/crypto");
    const fingerprint = bytesToHex(sha256(utf8ToBytes(`POST /v1/invoices\n${body}`)));
    await claimKey(
      openDb(env.DB),
      { scope: shop.merchantId, key: "in-flight" },
      fingerprint,
      Math.floor(clock.nowMs() / 1000),
      60,
    );
    const before = await invoiceCount();
    const res = await h.call("POST", "/v1/invoices", {
      key: shop.key,
      raw: body,
      headers: { "idempotency-key": "in-flight" },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("idempotency_in_progress");
    expect(await invoiceCount()).toBe(before);
    // The holder died: after the lock expires a retry runs the request once.
    clock.advanceSeconds(61);
    const retry = await h.call("POST", "/v1/invoices", {
      key: shop.key,
      raw: body,
      headers: { "idempotency-key": "in-flight" },
    });
    expect(retry.status).toBe(201);
    expect(await invoiceCount()).toBe(before + 1);
  });

  it("concurrent duplicates create exactly one invoice; the others replay it or are told to retry", async () => {
    const before = await invoiceCount();
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => create("burst", { amount_msat: 9_000 })),
    );
    expect(await invoiceCount()).toBe(before + 1);
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const r of replies.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("idempotency_in_progress");
    }
  });

  it("rejects a malformed key with invalid_idempotency_key", async () => {
    const counts = await tableCounts();
    const res = await create("x".repeat(256), { amount_msat: 5_000 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_idempotency_key");
    expect(await tableCounts()).toEqual(counts);
  });
});
