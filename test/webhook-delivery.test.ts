import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../src/core/limits";
import { openDb, runBatch } from "../src/db/client";
import { insertEventStatement } from "../src/events/store";
import { newId } from "../src/core/ids";
import { loadConfig } from "../src/config";
import { CRON_BOUNDS, deliverDue } from "../src/webhooks/delivery";
import { classifyResponse, nextStep } from "../src/webhooks/rules";
import { claimDue, recordAttemptStatements } from "../src/webhooks/store";
import { hub, newMerchant, OPERATOR, random, testClock } from "./helpers";
import { callWithContext, drain, newReceiver, nextDue, runSchedule, verifyReceived } from "./webhooks";

const clock = testClock();
const h = hub(clock);
let shop: { merchantId: string; key: string };

beforeAll(async () => {
  shop = await newMerchant(h, "Webhook Shop");
});

/** Registers an endpoint for the shop; returns its id and secret. */
async function endpoint(url: string, body: Record<string, unknown> = {}, key = shop.key) {
  const res = await h.call("POST", "/v1/webhook-endpoints", { key, body: { url, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string };
}

let lastInvoiceId = "";
const invoice = async (key = shop.key) => {
  const created = (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 5_000 } })).body;
  lastInvoiceId = created.id;
  return created;
};

/** The id of the event of this type about this object (events in one millisecond have unordered ids). */
async function eventOf(type: string, objectId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM events WHERE type = ? AND object_id = ?")
    .bind(type, objectId)
    .first<{ id: string }>();
  if (!row) throw new Error(`no ${type} event for ${objectId}`);
  return row.id;
}

/** The invoice.created event of the invoice made last. */
const lastCreated = () => eventOf("invoice.created", lastInvoiceId);

const deliveries = async (eventId: string, key = shop.key) =>
  (await h.call("GET", `/v1/events/${eventId}/deliveries`, { key })).body.data as any[];

const now = () => Math.floor(clock.nowMs() / 1000);

/** One delivery run as the cron makes it, with a short timeout (the real one is 10 s). */
const deliverWithTimeout = (timeoutMs: number) =>
  deliverDue(
    openDb(env.DB),
    loadConfig(h.env),
    { nowMs: clock.nowMs(), random },
    { ...CRON_BOUNDS, timeoutMs },
  );

/** Inserts an outbox event directly, as a domain batch would (types whose writers live elsewhere). */
async function outboxEvent(type: string, merchantId: string | null, object: Record<string, unknown>) {
  const id = newId("event", clock.nowMs(), random);
  const db = openDb(env.DB);
  await runBatch(db, [
    insertEventStatement(db, {
      id,
      merchantId,
      type: type as never,
      objectId: String(object.id),
      dedupeKey: `${type}:${object.id}`,
      createdAt: now(),
      object,
    }),
  ]);
  return id;
}

/** Disables every endpoint of the shop so each test starts from its own. */
async function clearEndpoints(key = shop.key) {
  const list = await h.call("GET", "/v1/webhook-endpoints?limit=100", { key });
  for (const e of list.body.data) await h.call("DELETE", `/v1/webhook-endpoints/${e.id}`, { key });
}

describe("first attempt at once", () => {
  it("the request that wrote the event triggers its delivery (waitUntil); it verifies with standardwebhooks", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    const { secret } = await endpoint(receiver.url);
    const created = await callWithContext(h, "POST", "/v1/invoices", {
      key: shop.key,
      body: { amount_msat: 21_000, description: "tea" },
    });
    expect(created.status).toBe(201);
    const got = await receiver.requests();
    expect(got).toHaveLength(1);
    const event = verifyReceived(secret, got[0]!);
    expect(event).toMatchObject({ object: "event", type: "invoice.created", data: { object: created.body } });
    expect(got[0]!.headers["webhook-id"]).toBe(event.id);
    expect(got[0]!.headers["webhook-timestamp"]).toBe(String(Math.floor(clock.nowMs() / 1000)));
    expect(got[0]!.headers["content-type"]).toBe("application/json");
    // The body is the stored event byte for byte, as the events API shows it.
    expect(JSON.parse(got[0]!.body)).toEqual(
      (await h.call("GET", `/v1/events/${event.id}`, { key: shop.key })).body,
    );
    const [delivery] = await deliveries(event.id);
    expect(delivery).toMatchObject({
      status: "succeeded",
      attempt_count: 1,
      last_status_code: 200,
      next_attempt_at: null,
    });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status_code: 200, error: null }),
    ]);
    // The cron finds nothing left to do.
    expect(await drain(h)).toBe(0);
    await receiver.close();
  });

  it("only requests that wrote events start deliveries; a GET that expires an invoice does", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    const { secret } = await endpoint(receiver.url, { event_types: ["invoice.expired"] });
    const short = await h.call("POST", "/v1/invoices", {
      key: shop.key,
      body: { amount_msat: 1_000, expiry_seconds: 60 },
    });
    clock.advanceSeconds(61);
    // A request that writes nothing to the outbox claims nothing, though a delivery would be due.
    await outboxEvent("invoice.expired", shop.merchantId, { id: "inv_elsewhere" });
    await callWithContext(h, "GET", "/v1/webhook-endpoints", { key: shop.key });
    await callWithContext(h, "POST", "/v1/bolt11/decode", { body: { invoice: short.body.bolt11 } });
    expect(await receiver.requests()).toHaveLength(0);
    // Reading the invoice expires it (an event written by a GET): it goes out at once, with the other one.
    const read = await callWithContext(h, "GET", `/v1/invoices/${short.body.id}`, { key: shop.key });
    expect(read.body.status).toBe("expired");
    const got = (await receiver.requests()).map((r) => verifyReceived(secret, r).data.object.id);
    expect(got.sort()).toEqual(["inv_elsewhere", short.body.id].sort());
    await receiver.close();
  });

  it("without an execution context (tests' app.request) nothing is sent until the cron runs", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    await endpoint(receiver.url);
    await invoice();
    expect(await receiver.requests()).toHaveLength(0);
    expect(await drain(h)).toBe(1);
    expect(await receiver.requests()).toHaveLength(1);
    await receiver.close();
  });
});

describe("retries", () => {
  it("a failed attempt is retried on the schedule, with the same webhook-id and body, until it succeeds", async () => {
    await clearEndpoints();
    const receiver = await newReceiver({ mode: "status", status: 500 });
    const { secret } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    expect(await drain(h)).toBe(1);
    const event = { id: await lastCreated() };
    let [delivery] = await deliveries(event.id);
    expect(delivery).toMatchObject({
      status: "pending",
      attempt_count: 1,
      last_status_code: 500,
      last_error: "non_2xx_status",
    });
    const wait = delivery.next_attempt_at - now();
    expect(wait).toBeGreaterThanOrEqual(4);
    expect(wait).toBeLessThanOrEqual(6);
    // Not before it is due.
    clock.advanceSeconds(wait - 1);
    expect(await drain(h)).toBe(0);
    clock.advanceSeconds(1);
    await receiver.behave({ mode: "down" });
    expect(await drain(h)).toBe(1);
    [delivery] = await deliveries(event.id);
    expect(delivery).toMatchObject({
      status: "pending",
      attempt_count: 2,
      last_status_code: null,
      last_error: "connection_error",
    });
    await receiver.behave({ mode: "status", status: 204 });
    clock.advanceSeconds(delivery.next_attempt_at - now());
    expect(await drain(h)).toBe(1);
    [delivery] = await deliveries(event.id);
    expect(delivery).toMatchObject({
      status: "succeeded",
      attempt_count: 3,
      last_status_code: 204,
      last_error: null,
    });
    expect(delivery.attempts.map((a: any) => [a.attempt, a.status_code, a.error])).toEqual([
      [1, 500, "non_2xx_status"],
      [2, null, "connection_error"],
      [3, 204, null],
    ]);
    const got = await receiver.requests();
    expect(got.map((r) => r.answer)).toEqual([500, "dropped", 204]);
    expect(new Set(got.map((r) => r.headers["webhook-id"]))).toEqual(new Set([event.id]));
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect(verifyReceived(secret, r).id).toBe(event.id);
    // The receiver's response bodies are never stored or shown.
    expect(
      JSON.stringify(await h.call("GET", `/v1/events/${event.id}/deliveries`, { key: shop.key })),
    ).not.toContain("receiver-secret-body");
    await receiver.close();
  });

  it("Retry-After is honoured: no attempt before it, even when the schedule says sooner", async () => {
    await clearEndpoints();
    const receiver = await newReceiver({ mode: "status", status: 503, headers: { "retry-after": "3600" } });
    await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    expect(await drain(h)).toBe(1);
    const event = { id: await lastCreated() };
    const [delivery] = await deliveries(event.id);
    expect(delivery.next_attempt_at).toBe(now() + 3_600);
    clock.advanceSeconds(3_599);
    expect(await drain(h)).toBe(0);
    await receiver.behave({ mode: "status" });
    clock.advanceSeconds(1);
    expect(await drain(h)).toBe(1);
    expect((await deliveries(event.id))[0]).toMatchObject({ status: "succeeded", attempt_count: 2 });
    await receiver.close();
  });

  it("a redirect is a failure and is not followed", async () => {
    await clearEndpoints();
    const target = await newReceiver();
    const receiver = await newReceiver({ mode: "status", status: 307, headers: { location: target.url } });
    await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    expect(await drain(h)).toBe(1);
    const [delivery] = await deliveries(await lastCreated());
    expect(delivery).toMatchObject({
      status: "pending",
      last_status_code: 307,
      last_error: "redirect_not_followed",
    });
    expect(await receiver.requests()).toHaveLength(1);
    expect(await target.requests()).toHaveLength(0);
    await Promise.all([receiver.close(), target.close()]);
  });

  it("a receiver that does not answer in time is a timeout (bounded), recorded with its duration", async () => {
    await clearEndpoints();
    const receiver = await newReceiver({ mode: "hang", ms: 3_000 });
    await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    const report = await deliverWithTimeout(300);
    expect(report).toEqual({ attempted: 1, succeeded: 0 });
    const [delivery] = await deliveries(await lastCreated());
    expect(delivery).toMatchObject({ status: "pending", last_status_code: null, last_error: "timeout" });
    expect(delivery.attempts[0].duration_ms).toBeGreaterThanOrEqual(250);
    expect(delivery.attempts[0].duration_ms).toBeLessThan(3_000);
    await receiver.close();
  });

  it("after ten failed attempts over the whole schedule the delivery fails; repeated failures disable the endpoint", async () => {
    await clearEndpoints();
    const receiver = await newReceiver({ mode: "status", status: 500 });
    const { id } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    const firstRound = LIMITS.webhookFailedDeliveriesToDisable - 1;
    const events: string[] = [];
    for (let i = 0; i < firstRound; i++) {
      await invoice();
      events.push(await lastCreated());
    }
    const started = now();
    expect(await runSchedule(h)).toBe(firstRound * 10);
    for (const event of events) {
      const [delivery] = await deliveries(event);
      expect(delivery).toMatchObject({
        status: "failed",
        attempt_count: 10,
        next_attempt_at: null,
        last_error: "non_2xx_status",
      });
      expect(delivery.attempts).toHaveLength(10);
      // Attempt n+1 came delays[n] (±10 %) after attempt n.
      const times = delivery.attempts.map((a: any) => a.attempted_at);
      LIMITS.webhookRetryDelaysSeconds.forEach((delay, n) => {
        const gap = times[n + 1] - times[n];
        expect(gap).toBeGreaterThanOrEqual(Math.round(delay * 0.9));
        expect(gap).toBeLessThanOrEqual(Math.round(delay * 1.1) + 1);
      });
    }
    expect(now() - started).toBeGreaterThan(3 * 86_400);
    // Still enabled after one fewer exhausted delivery than the threshold…
    expect((await h.call("GET", `/v1/webhook-endpoints/${id}`, { key: shop.key })).body).toMatchObject({
      enabled: true,
      disabled_reason: null,
    });
    // …and disabled by the next one, visibly.
    await invoice();
    await runSchedule(h);
    expect((await h.call("GET", `/v1/webhook-endpoints/${id}`, { key: shop.key })).body).toMatchObject({
      enabled: false,
      disabled_reason: "failing",
    });
    expect(await receiver.requests()).toHaveLength(LIMITS.webhookFailedDeliveriesToDisable * 10);
    await receiver.close();
  });
});

describe("endpoints are independent", () => {
  it("one endpoint down with a backlog larger than a tick does not delay another", async () => {
    await clearEndpoints();
    const down = await newReceiver({ mode: "down" });
    const up = await newReceiver();
    await endpoint(down.url);
    const { secret } = await endpoint(up.url, { event_types: ["invoice.canceled"] });
    const backlog = LIMITS.webhookDeliveriesPerTick + 20;
    let last = "";
    for (let i = 0; i < backlog; i++) last = (await invoice()).id;
    await h.call("POST", `/v1/invoices/${last}/cancel`, { key: shop.key });
    // One tick: the healthy endpoint's delivery goes out although the other has more due than a tick takes.
    const report = await (await import("../src/scheduled")).runTick(h.env, clock, random);
    expect(report.webhookAttempts).toBe(LIMITS.webhookDeliveriesPerEndpointPerTick + 1);
    const got = await up.requests();
    expect(got).toHaveLength(1);
    expect(verifyReceived(secret, got[0]!)).toMatchObject({
      type: "invoice.canceled",
      data: { object: { id: last } },
    });
    expect((await down.requests()).length).toBe(LIMITS.webhookDeliveriesPerEndpointPerTick);
    await Promise.all([down.close(), up.close()]);
  });

  it("a hanging endpoint times out, holds at most two connections, and gives its other deliveries back unattempted", async () => {
    await clearEndpoints();
    const slow = await newReceiver({ mode: "hang", ms: 2_000 });
    const fast = await newReceiver();
    const { id: slowId } = await endpoint(slow.url, { event_types: ["invoice.created"] });
    await endpoint(fast.url, { event_types: ["invoice.created"] });
    const events: string[] = [];
    for (let i = 0; i < 5; i++) {
      await invoice();
      events.push(await lastCreated());
    }
    const report = await deliverWithTimeout(400);
    // The fast endpoint gets all five; the slow one two attempts (two lanes), both timeouts.
    expect(report).toEqual({ attempted: 5 + LIMITS.webhookConnectionsPerEndpoint, succeeded: 5 });
    expect(await fast.requests()).toHaveLength(5);
    const slowDeliveries = await Promise.all(
      events.map(async (e) => (await deliveries(e)).find((d) => d.endpoint_id === slowId)),
    );
    const timedOut = slowDeliveries.filter((d) => d.attempt_count === 1);
    expect(timedOut).toHaveLength(LIMITS.webhookConnectionsPerEndpoint);
    for (const d of timedOut) {
      expect(d.last_error).toBe("timeout");
      expect(d.attempts[0].duration_ms).toBeGreaterThanOrEqual(350);
      expect(d.attempts[0].duration_ms).toBeLessThan(2_000);
    }
    // The rest went back unattempted, due again at once.
    const released = slowDeliveries.filter((d) => d.attempt_count === 0);
    expect(released).toHaveLength(5 - LIMITS.webhookConnectionsPerEndpoint);
    for (const d of released)
      expect(d).toMatchObject({ status: "pending", next_attempt_at: now(), attempts: [] });
    for (const e of events) {
      const fastDelivery = (await deliveries(e)).find((d) => d.endpoint_id !== slowId);
      expect(fastDelivery.attempts[0].duration_ms).toBeLessThan(400);
    }
    await Promise.all([slow.close(), fast.close()]);
  });
});

describe("overlapping runs", () => {
  it("two runs at once never send one delivery twice (claims are atomic and leased)", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    await endpoint(receiver.url, { event_types: ["invoice.created"] });
    for (let i = 0; i < 30; i++) await invoice();
    const [a, b] = await Promise.all([deliverWithTimeout(5_000), deliverWithTimeout(5_000)]);
    expect(a.attempted + b.attempted).toBe(30);
    const ids = (await receiver.requests()).map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    await receiver.close();
  });

  it("a result recorded twice (a stale worker) changes nothing the second time", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    const { id } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    const db = openDb(env.DB);
    const [job] = await claimDue(db, now(), {
      limit: 10,
      perEndpoint: 10,
      freshOnly: false,
      leaseSeconds: 60,
    });
    expect(job!.attempt).toBe(1);
    const outcome = classifyResponse(500, null, now());
    // The tenth attempt of a round, so the failure also counts against the endpoint.
    await env.DB.prepare("UPDATE webhook_deliveries SET attempts = 10 WHERE event_id = ? AND endpoint_id = ?")
      .bind(job!.eventId, id)
      .run();
    const last = { ...job!, attempt: 10 };
    const record = () =>
      runBatch(
        db,
        recordAttemptStatements(db, last, outcome, nextStep(10, outcome, now(), 0.5), {
          nowSeconds: now(),
          durationMs: 3,
          failuresToDisable: 5,
        }),
      );
    await record();
    await record();
    const [delivery] = await deliveries(job!.eventId);
    expect(delivery).toMatchObject({ status: "failed", attempt_count: 10 });
    expect(delivery.attempts).toHaveLength(1);
    const row = await env.DB.prepare("SELECT failed_deliveries FROM webhook_endpoints WHERE id = ?")
      .bind(id)
      .first<{ failed_deliveries: number }>();
    expect(row!.failed_deliveries).toBe(1);
    await receiver.close();
  });

  it("deleting an endpoint ends its pending deliveries; nothing more is sent to it", async () => {
    await clearEndpoints();
    const receiver = await newReceiver({ mode: "status", status: 503 });
    const { id } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    const event = await lastCreated();
    await drain(h);
    expect((await deliveries(event))[0]).toMatchObject({ status: "pending", attempt_count: 1 });
    await h.call("DELETE", `/v1/webhook-endpoints/${id}`, { key: shop.key });
    expect((await deliveries(event))[0]).toMatchObject({ status: "failed", last_error: "endpoint_disabled" });
    clock.advanceSeconds(60);
    expect(await drain(h)).toBe(0);
    const again = await h.call("POST", `/v1/events/${event}/redeliver`, {
      key: shop.key,
      body: { endpoint_id: id },
    });
    expect(again.status).toBe(404);
    expect(await receiver.requests()).toHaveLength(1);
    await receiver.close();
  });
});

describe("410 Gone", () => {
  it("disables the endpoint at once, ends its pending deliveries, and it receives nothing until re-enabled", async () => {
    await clearEndpoints();
    const receiver = await newReceiver({ mode: "status", status: 500 });
    const { id } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    const events: string[] = [];
    for (let i = 0; i < 2; i++) {
      await invoice();
      events.push(await lastCreated());
    }
    expect(await drain(h)).toBe(2);
    await receiver.behave({ mode: "status", status: 410 });
    clock.advanceSeconds(10);
    await drain(h);
    const read = await h.call("GET", `/v1/webhook-endpoints/${id}`, { key: shop.key });
    expect(read.body).toMatchObject({ enabled: false, disabled_reason: "gone" });
    const ended = await Promise.all(events.map(async (e) => (await deliveries(e))[0]));
    for (const d of ended) expect(d.status).toBe("failed");
    expect(ended.map((d) => d.last_error).sort()).toContain("endpoint_gone");
    expect(await nextDue()).toBeNull();
    // New events are not queued for it.
    await invoice();
    expect(await deliveries(await lastCreated())).toEqual([]);
    // Re-enabled by its owner, it receives again.
    await receiver.behave({ mode: "status" });
    const enabled = await h.call("PATCH", `/v1/webhook-endpoints/${id}`, {
      key: shop.key,
      body: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
    await invoice();
    expect(await drain(h)).toBe(1);
    expect((await receiver.requests()).at(-1)!.answer).toBe(200);
    await receiver.close();
  });
});

describe("secret rotation", () => {
  it("during the overlap both secrets verify; after it only the new one", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    const { id, secret: oldSecret } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    const rotated = await h.call("POST", `/v1/webhook-endpoints/${id}/rotate-secret`, {
      key: shop.key,
      body: { overlap_seconds: 3_600 },
    });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body.previous_secret_expires_at).toBe(now() + 3_600);
    const read = await h.call("GET", `/v1/webhook-endpoints/${id}`, { key: shop.key });
    expect(read.body.secret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain("whsec_");

    await invoice();
    await drain(h);
    clock.advanceSeconds(3_600);
    await invoice();
    await drain(h);
    const [during, after] = await receiver.requests();
    expect(during!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verifyReceived(oldSecret, during!).type).toBe("invoice.created");
    expect(verifyReceived(newSecret, during!).type).toBe("invoice.created");
    expect(after!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(verifyReceived(newSecret, after!).type).toBe("invoice.created");
    expect(() => verifyReceived(oldSecret, after!)).toThrow(/signature/);
    await receiver.close();
  });

  it("with no overlap the old secret stops at once", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    const { id, secret: oldSecret } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    const rotated = await h.call("POST", `/v1/webhook-endpoints/${id}/rotate-secret`, {
      key: shop.key,
      body: { overlap_seconds: 0 },
    });
    expect(rotated.body.previous_secret_expires_at).toBeNull();
    await invoice();
    await drain(h);
    const [got] = await receiver.requests();
    expect(verifyReceived(rotated.body.secret, got!).type).toBe("invoice.created");
    expect(() => verifyReceived(oldSecret, got!)).toThrow(/signature/);
    await receiver.close();
  });
});

describe("redelivery", () => {
  it("sends the same event again (same webhook-id and body) at once, keeping the history", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    const { id, secret } = await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    await drain(h);
    const event = { id: await lastCreated() };
    const again = await callWithContext(h, "POST", `/v1/events/${event.id}/redeliver`, { key: shop.key });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual([
      expect.objectContaining({ endpoint_id: id, status: "pending", attempt_count: 0 }),
    ]);
    const [first, second] = await receiver.requests();
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(second!.body).toBe(first!.body);
    expect(verifyReceived(secret, second!).id).toBe(event.id);
    const [delivery] = await deliveries(event.id);
    expect(delivery).toMatchObject({ status: "succeeded", attempt_count: 1 });
    expect(delivery.attempts).toHaveLength(2);
    await receiver.close();
  });

  it("ends in a clear error when there is nothing to redeliver to", async () => {
    await clearEndpoints();
    await invoice();
    const event = { id: await lastCreated() };
    const none = await h.call("POST", `/v1/events/${event.id}/redeliver`, { key: shop.key });
    expect([none.status, none.body.error.code]).toEqual([409, "no_webhook_endpoints"]);
    const receiver = await newReceiver();
    const { id } = await endpoint(receiver.url, { enabled: false });
    const disabled = await h.call("POST", `/v1/events/${event.id}/redeliver`, {
      key: shop.key,
      body: { endpoint_id: id },
    });
    expect([disabled.status, disabled.body.error.code]).toEqual([409, "webhook_endpoint_disabled"]);
    await receiver.close();
  });
});

describe("who receives what", () => {
  it("hub-level events (no merchant) go to operator endpoints only; merchant events never reach them", async () => {
    await clearEndpoints();
    const operatorReceiver = await newReceiver();
    const merchantReceiver = await newReceiver();
    const op = await h.call("POST", "/v1/admin/webhook-endpoints", {
      key: OPERATOR,
      body: { url: operatorReceiver.url, event_types: ["channel.opened", "channel.closed"] },
    });
    expect(op.status).toBe(201);
    await endpoint(merchantReceiver.url);
    const eventId = await outboxEvent("channel.opened", null, { id: "ch_test", status: "open" });
    await invoice();
    await drain(h);
    const opGot = await operatorReceiver.requests();
    expect(opGot).toHaveLength(1);
    expect(verifyReceived(op.body.secret, opGot[0]!)).toMatchObject({ id: eventId, type: "channel.opened" });
    expect((await merchantReceiver.requests()).map((r) => JSON.parse(r.body).type)).toEqual([
      "invoice.created",
    ]);
    // Another merchant's key cannot see or touch the operator's endpoint, nor the operator the merchant's.
    expect((await h.call("GET", `/v1/webhook-endpoints/${op.body.id}`, { key: shop.key })).status).toBe(404);
    expect((await h.call("GET", "/v1/admin/webhook-endpoints", { key: OPERATOR })).body.data).toHaveLength(1);
    await h.call("DELETE", `/v1/admin/webhook-endpoints/${op.body.id}`, { key: OPERATOR });
    await Promise.all([operatorReceiver.close(), merchantReceiver.close()]);
  });

  it("delivery is generic over event types: payout events reach the endpoints that subscribe to them", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    const { secret } = await endpoint(receiver.url, { event_types: ["payout.pending", "payout.confirmed"] });
    for (const type of ["payout.pending", "payout.broadcast", "payout.confirmed"]) {
      await outboxEvent(type, shop.merchantId, { id: `po_${type}`, object: "payout" });
    }
    await drain(h);
    const types = (await receiver.requests()).map((r) => verifyReceived(secret, r).type);
    expect(types.sort()).toEqual(["payout.confirmed", "payout.pending"]);
    await receiver.close();
  });

  it("a URL that is no longer allowed (the deployment left dev mode) is not called", async () => {
    await clearEndpoints();
    const receiver = await newReceiver();
    await endpoint(receiver.url, { event_types: ["invoice.created"] });
    await invoice();
    const production = hub(clock, { DEV_MODE: "false" });
    await drain(production);
    const [delivery] = await deliveries(await lastCreated());
    expect(delivery).toMatchObject({
      status: "pending",
      last_status_code: null,
      last_error: "url_not_allowed",
    });
    expect(delivery.attempts[0].duration_ms).toBe(0);
    expect(await receiver.requests()).toHaveLength(0);
    await receiver.close();
  });
});
