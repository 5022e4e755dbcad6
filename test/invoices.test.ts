import { env } from "cloudflare:test";
import bolt11 from "bolt11";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { bytesToHex, hexToBytes, sha256 } from "../src/crypto";
import { runTick } from "../src/scheduled";
import { hub, newMerchant, random, testClock } from "./helpers";

const h = hub(testClock());
let key: string;

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Lifecycle Shop"));
});

const create = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  h.call("POST", "/v1/invoices", { key, body, headers });

async function eventsFor(objectId: string) {
  const { results } = await env.DB.prepare("SELECT type, data FROM events WHERE object_id = ? ORDER BY rowid")
    .bind(objectId)
    .all<{ type: string; data: string }>();
  return results;
}

describe("invoice lifecycle", () => {
  it("creates an open invoice whose BOLT11 carries the amount, description, expiry and node payee", async () => {
    const res = await create({
      amount_msat: 150_000,
      description: "1 cup coffee",
      expiry_seconds: 600,
      metadata: { table: "4" },
      order_id: "A-1",
    });
    expect(res.status).toBe(201);
    const inv = res.body;
    expect(inv).toMatchObject({
      object: "invoice",
      status: "open",
      amount_msat: 150_000,
      description: "1 cup coffee",
      expiry_seconds: 600,
      metadata: { table: "4" },
      order_id: "A-1",
      preimage: null,
    });
    expect(inv.id).toMatch(/^inv_[0-9a-z]{26}$/);
    expect(inv.expires_at - inv.created_at).toBe(600);

    const node = await h.call("GET", "/v1/node");
    const decoded = await h.call("POST", "/v1/bolt11/decode", { body: { invoice: inv.bolt11 } });
    expect(decoded.status).toBe(200);
    expect(decoded.body).toMatchObject({
      network: "regtest",
      amount_msat: 150_000,
      description: "1 cup coffee",
      expiry_seconds: 600,
      timestamp: inv.created_at,
      payment_hash: inv.payment_hash,
      payee_pubkey: node.body.node_pubkey,
    });
    expect(decoded.body.features).toEqual([8, 14]);
    expect(decoded.body.payment_secret).toMatch(/^[0-9a-f]{64}$/);
    // An independent decoder agrees.
    const other = bolt11.decode(inv.bolt11);
    expect(other.payeeNodeKey).toBe(node.body.node_pubkey);
    expect(other.millisatoshis).toBe("150000");
  });

  it("keeps the preimage secret: never in the response, but its hash is the payment hash", async () => {
    const res = await create({ amount_msat: 1_000 });
    const stored = await env.DB.prepare("SELECT preimage FROM invoices WHERE id = ?")
      .bind(res.body.id)
      .first<{ preimage: string }>();
    expect(JSON.stringify(res.body)).not.toContain(stored!.preimage);
    expect(bytesToHex(sha256(hexToBytes(stored!.preimage)))).toBe(res.body.payment_hash);
    const got = await h.call("GET", `/v1/invoices/${res.body.id}`, { key });
    expect(JSON.stringify(got.body)).not.toContain(stored!.preimage);
  });

  it("defaults to a one-hour expiry and an empty description", async () => {
    const res = await create({ amount_msat: 2_000 });
    expect(res.body.expiry_seconds).toBe(3600);
    expect(res.body.description).toBe("");
  });

  it("commits to a description_hash when given one", async () => {
    const hash = bytesToHex(sha256(new TextEncoder().encode("terms")));
    const res = await create({ amount_msat: 2_000, description_hash: hash });
    expect(res.body).toMatchObject({ description: null, description_hash: hash });
    const decoded = await h.call("POST", "/v1/bolt11/decode", { body: { invoice: res.body.bolt11 } });
    expect(decoded.body.description_hash).toBe(hash);
  });

  it("reads back the invoice it created, and writes an invoice.created event with the full object", async () => {
    const res = await create({ amount_msat: 5_000, description: "read me" });
    const got = await h.call("GET", `/v1/invoices/${res.body.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    const events = await eventsFor(res.body.id);
    expect(events.map((e) => e.type)).toEqual(["invoice.created"]);
    expect(JSON.parse(events[0]!.data).data.object).toEqual(res.body);
  });

  it("cancels an open invoice once, emits invoice.canceled once, and a second cancel changes nothing", async () => {
    const res = await create({ amount_msat: 7_000 });
    const first = await h.call("POST", `/v1/invoices/${res.body.id}/cancel`, { key });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("canceled");
    expect(first.body.canceled_at).toBeTypeOf("number");
    const second = await h.call("POST", `/v1/invoices/${res.body.id}/cancel`, { key });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await eventsFor(res.body.id)).map((e) => e.type)).toEqual([
      "invoice.created",
      "invoice.canceled",
    ]);
  });

  it("refuses to cancel a paid invoice with invoice_paid", async () => {
    const res = await create({ amount_msat: 8_000 });
    await env.DB.prepare("UPDATE invoices SET status = 'paid', paid_at = 1 WHERE id = ?")
      .bind(res.body.id)
      .run();
    const cancel = await h.call("POST", `/v1/invoices/${res.body.id}/cancel`, { key });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("invoice_paid");
  });
});

describe("expiry", () => {
  it("shows an invoice as expired once its time passes, persists it, and emits invoice.expired exactly once", async () => {
    const clock = testClock();
    const local = hub(clock);
    const { key: k } = await newMerchant(local, "Expiry Shop");
    const res = await local.call("POST", "/v1/invoices", {
      key: k,
      body: { amount_msat: 1_000, expiry_seconds: 60 },
    });
    clock.advanceSeconds(59);
    expect((await local.call("GET", `/v1/invoices/${res.body.id}`, { key: k })).body.status).toBe("open");
    clock.advanceSeconds(1);
    const read = await local.call("GET", `/v1/invoices/${res.body.id}`, { key: k });
    expect(read.body.status).toBe("expired");
    expect(read.body.expired_at).toBe(res.body.expires_at);
    await local.call("GET", `/v1/invoices/${res.body.id}`, { key: k });
    await runTick(env, clock, random);
    expect((await eventsFor(res.body.id)).map((e) => e.type)).toEqual(["invoice.created", "invoice.expired"]);
    const cancel = await local.call("POST", `/v1/invoices/${res.body.id}/cancel`, { key: k });
    expect(cancel.status).toBe(410);
    expect(cancel.body.error.code).toBe("invoice_expired");
  });

  it("the least expiry is 60 s unless configured: 59 s is refused with the schema's wording and changes nothing, 60 s is accepted", async () => {
    expect(loadConfig(h.env).minInvoiceExpirySeconds).toBe(60);
    const before = await env.DB.prepare("SELECT count(*) AS n FROM invoices").first<{ n: number }>();
    const short = await create({ amount_msat: 1_000, expiry_seconds: 59 });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatchObject({
      code: "invalid_parameter",
      param: "expiry_seconds",
      message: "expiry_seconds: Too small: expected number to be >=60",
    });
    const after = await env.DB.prepare("SELECT count(*) AS n FROM invoices").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
    expect((await create({ amount_msat: 1_000, expiry_seconds: 60 })).status).toBe(201);
  });

  it("only a regtest hub may lower the least expiry (MIN_INVOICE_EXPIRY_SECONDS, for test stacks), and never below 1 s or above 60 s", async () => {
    const local = hub(testClock(), { MIN_INVOICE_EXPIRY_SECONDS: "5" });
    const { key: k } = await newMerchant(local, "Short Expiry Shop");
    const make = (expiry_seconds: number) =>
      local.call("POST", "/v1/invoices", { key: k, body: { amount_msat: 1_000, expiry_seconds } });
    expect((await make(5)).status).toBe(201);
    const short = await make(4);
    expect(short.status).toBe(400);
    expect(short.body.error.message).toBe("expiry_seconds: Too small: expected number to be >=5");
    for (const network of ["mainnet", "testnet", "signet"]) {
      expect(() => loadConfig({ ...env, NETWORK: network, MIN_INVOICE_EXPIRY_SECONDS: "5" })).toThrow(
        "MIN_INVOICE_EXPIRY_SECONDS is for regtest test stacks only",
      );
      expect(loadConfig({ ...env, NETWORK: network }).minInvoiceExpirySeconds).toBe(60);
    }
    for (const bad of ["0", "61", "1.5", "x"]) {
      expect(() => loadConfig({ ...env, MIN_INVOICE_EXPIRY_SECONDS: bad })).toThrow(
        "MIN_INVOICE_EXPIRY_SECONDS",
      );
    }
  });

  it("the cron sweeps due invoices into expired without anyone reading them", async () => {
    const clock = testClock();
    const local = hub(clock);
    const { key: k } = await newMerchant(local, "Sweep Shop");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await local.call("POST", "/v1/invoices", {
            key: k,
            body: { amount_msat: 1_000 + i, expiry_seconds: 60 },
          })
        ).body.id,
      );
    }
    const keep = (
      await local.call("POST", "/v1/invoices", { key: k, body: { amount_msat: 9_999, expiry_seconds: 3600 } })
    ).body.id;
    clock.advanceSeconds(61);
    const report = await runTick(env, clock, random);
    expect(report.invoicesExpired).toBeGreaterThanOrEqual(3);
    for (const id of ids) {
      const row = await env.DB.prepare("SELECT status FROM invoices WHERE id = ?")
        .bind(id)
        .first<{ status: string }>();
      expect(row!.status).toBe("expired");
      expect((await eventsFor(id)).filter((e) => e.type === "invoice.expired")).toHaveLength(1);
    }
    const kept = await env.DB.prepare("SELECT status FROM invoices WHERE id = ?")
      .bind(keep)
      .first<{ status: string }>();
    expect(kept!.status).toBe("open");
    expect((await runTick(env, clock, random)).invoicesExpired).toBe(0);
  });
});

describe("listing", () => {
  it("pages newest first with starting_after and has_more, and filters by effective status", async () => {
    const clock = testClock();
    const local = hub(clock);
    const { key: k } = await newMerchant(local, "List Shop");
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock.advanceSeconds(1);
      created.push(
        (
          await local.call("POST", "/v1/invoices", {
            key: k,
            body: { amount_msat: 1_000 + i, expiry_seconds: i < 2 ? 60 : 3600 },
          })
        ).body.id,
      );
    }
    const newestFirst = [...created].reverse();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await local.call(
        "GET",
        `/v1/invoices?limit=3${cursor ? `&starting_after=${cursor}` : ""}`,
        { key: k },
      );
      expect(page.status).toBe(200);
      expect(page.body.object).toBe("list");
      seen.push(...page.body.data.map((i: { id: string }) => i.id));
      if (!page.body.has_more) break;
      cursor = seen.at(-1);
    }
    expect(seen).toEqual(newestFirst);

    await local.call("POST", `/v1/invoices/${created[6]}/cancel`, { key: k });
    clock.advanceSeconds(120);
    const open = await local.call("GET", "/v1/invoices?status=open&limit=100", { key: k });
    expect(open.body.data.map((i: { id: string }) => i.id)).toEqual(newestFirst.slice(1, 5));
    const expired = await local.call("GET", "/v1/invoices?status=expired", { key: k });
    expect(expired.body.data.map((i: { id: string }) => i.id)).toEqual([created[1], created[0]]);
    expect(expired.body.data.every((i: { status: string }) => i.status === "expired")).toBe(true);
    const canceled = await local.call("GET", "/v1/invoices?status=canceled", { key: k });
    expect(canceled.body.data.map((i: { id: string }) => i.id)).toEqual([created[6]]);
  });
});
