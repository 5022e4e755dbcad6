import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../src/core/limits";
import { SCOPES } from "../src/merchants/merchant";
import { hub, newMerchant, OPERATOR, testClock } from "./helpers";

const clock = testClock();
const dev = hub(clock);
const production = hub(clock, { DEV_MODE: "false" });
let shop: { merchantId: string; key: string };
let other: { merchantId: string; key: string };

beforeAll(async () => {
  shop = await newMerchant(dev, "Endpoint Shop");
  other = await newMerchant(dev, "Other Shop");
});

/** Row counts of every table a webhook request could write. */
async function counts() {
  const tables = [
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
    "events",
    "idempotency_keys",
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    out[t] = (await env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>())!.n;
  }
  return out;
}

const create = (
  h = dev,
  body: Record<string, unknown> = { url: "https://shop.example/hooks" },
  key = shop.key,
) => h.call("POST", "/v1/webhook-endpoints", { key, body });

describe("the SSRF guard", () => {
  // One row per URL; the stable code last. Production rules (DEV_MODE=false).
  const REJECTED: [name: string, url: string, code: string][] = [
    ["plain http to a public host", "http://shop.example/hooks", "url_not_https"],
    ["http to localhost outside dev mode", "http://localhost:4242/hooks", "url_not_https"],
    ["http to 127.0.0.1 outside dev mode", "http://127.0.0.1:4242/hooks", "url_not_https"],
    ["ftp", "ftp://shop.example/hooks", "url_not_https"],
    ["file", "file:///etc/passwd", "url_not_https"],
    ["javascript", "javascript:alert(1)", "url_not_https"],
    ["not a URL", "shop.example/hooks", "url_invalid"],
    ["a relative path", "/hooks", "url_invalid"],
    ["longer than 2,048 characters", `https://shop.example/${"a".repeat(2_048)}`, "url_invalid"],
    ["user and password", "https://user:pass@shop.example/hooks", "url_has_credentials"],
    ["a user name alone", "https://token@shop.example/hooks", "url_has_credentials"],
    ["loopback", "https://127.0.0.1/hooks", "url_private_address"],
    ["loopback elsewhere in 127/8", "https://127.8.9.10/hooks", "url_private_address"],
    ["loopback as one decimal number", "https://2130706433/hooks", "url_private_address"],
    ["loopback in hex", "https://0x7f000001/hooks", "url_private_address"],
    ["loopback shortened", "https://127.1/hooks", "url_private_address"],
    ["loopback in octal", "https://0177.0.0.1/hooks", "url_private_address"],
    ["private 10/8", "https://10.0.0.1/hooks", "url_private_address"],
    ["private 172.16/12", "https://172.31.255.255/hooks", "url_private_address"],
    ["private 192.168/16", "https://192.168.1.1/hooks", "url_private_address"],
    ["link-local (cloud metadata)", "https://169.254.169.254/latest/meta-data", "url_private_address"],
    ["CGNAT 100.64/10", "https://100.64.0.1/hooks", "url_private_address"],
    ["unspecified 0.0.0.0", "https://0.0.0.0/hooks", "url_private_address"],
    ["broadcast", "https://255.255.255.255/hooks", "url_private_address"],
    ["multicast", "https://224.0.0.1/hooks", "url_private_address"],
    ["documentation range", "https://192.0.2.1/hooks", "url_private_address"],
    ["IPv6 loopback", "https://[::1]/hooks", "url_private_address"],
    ["IPv6 unspecified", "https://[::]/hooks", "url_private_address"],
    ["IPv6 link-local", "https://[fe80::1]/hooks", "url_private_address"],
    ["IPv6 unique-local fc00::/7", "https://[fd12:3456:789a::1]/hooks", "url_private_address"],
    ["IPv6 multicast", "https://[ff02::1]/hooks", "url_private_address"],
    ["IPv6 documentation", "https://[2001:db8::1]/hooks", "url_private_address"],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/hooks", "url_private_address"],
    ["IPv4-mapped private, hex form", "https://[::ffff:a00:1]/hooks", "url_private_address"],
    ["IPv4-mapped metadata", "https://[::ffff:169.254.169.254]/hooks", "url_private_address"],
    ["IPv4-compatible loopback", "https://[::127.0.0.1]/hooks", "url_private_address"],
    ["NAT64 of a private address", "https://[64:ff9b::10.0.0.1]/hooks", "url_private_address"],
    ["6to4 of loopback", "https://[2002:7f00:1::]/hooks", "url_private_address"],
    ["localhost by name", "https://localhost/hooks", "url_internal_host"],
    ["localhost with a trailing dot and capitals", "https://LOCALHOST./hooks", "url_internal_host"],
    ["a .localhost name", "https://api.localhost/hooks", "url_internal_host"],
    ["a .local name", "https://printer.local/hooks", "url_internal_host"],
    ["an .internal name", "https://metadata.google.internal/hooks", "url_internal_host"],
    ["a .home.arpa name", "https://router.home.arpa/hooks", "url_internal_host"],
    ["a single-label name", "https://intranet/hooks", "url_internal_host"],
    ["SSH's port", "https://shop.example:22/hooks", "url_port_not_allowed"],
    ["SMTP's port", "https://shop.example:25/hooks", "url_port_not_allowed"],
    ["port 80 under https", "https://shop.example:80/hooks", "url_port_not_allowed"],
  ];

  it.each(REJECTED)("rejects %s with a stable code and changes nothing", async (_name, url, code) => {
    const before = await counts();
    const res = await create(production, { url });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code, param: "url" });
    expect(await counts()).toEqual(before);
  });

  it("applies the same rules when an endpoint's URL changes", async () => {
    const made = await create(production, { url: "https://shop.example/hooks" });
    for (const [, url, code] of REJECTED.slice(0, 20)) {
      const res = await production.call("PATCH", `/v1/webhook-endpoints/${made.body.id}`, {
        key: shop.key,
        body: { url },
      });
      expect([res.status, res.body.error.code], url).toEqual([400, code]);
    }
    const read = await production.call("GET", `/v1/webhook-endpoints/${made.body.id}`, { key: shop.key });
    expect(read.body.url).toBe("https://shop.example/hooks");
    await production.call("DELETE", `/v1/webhook-endpoints/${made.body.id}`, { key: shop.key });
  });

  /** Each URL is accepted (then the endpoint is deleted again). */
  async function expectAccepted(h: typeof dev, urls: string[]) {
    for (const url of urls) {
      const res = await create(h, { url });
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(201);
      await h.call("DELETE", `/v1/webhook-endpoints/${res.body.id}`, { key: shop.key });
    }
  }

  it("accepts https to public hosts, public IP literals, and ports 443 or 1024–65535", async () => {
    await expectAccepted(production, [
      "https://shop.example/hooks?source=sluice",
      "https://shop.example:443/hooks",
      "https://shop.example:8443/hooks",
      "https://93.184.215.14/hooks",
      "https://[2606:4700:4700::1111]/hooks",
    ]);
  });

  it("dev mode allows plain http only to localhost and 127.0.0.1; everything else stays guarded", async () => {
    await expectAccepted(dev, [
      "http://localhost:4242/hooks",
      "http://127.0.0.1:4242/hooks",
      "https://localhost/hooks",
    ]);
    for (const [url, code] of [
      ["http://shop.example/hooks", "url_not_https"],
      ["http://10.0.0.1/hooks", "url_not_https"],
      ["http://[::1]:4242/hooks", "url_not_https"],
      ["https://10.0.0.1/hooks", "url_private_address"],
      ["http://user:pw@localhost:4242/hooks", "url_has_credentials"],
    ]) {
      const res = await create(dev, { url: url! });
      expect([res.status, res.body.error.code], url).toEqual([400, code]);
    }
  });
});

describe("managing endpoints", () => {
  it("creates an endpoint whose secret is shown once, then lists, reads, changes and deletes it", async () => {
    const made = await create(dev, {
      url: "https://shop.example/hooks",
      event_types: ["invoice.paid", "invoice.paid", "payment.succeeded"],
      description: "orders",
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      object: "webhook_endpoint",
      url: "https://shop.example/hooks",
      event_types: ["invoice.paid", "payment.succeeded"],
      description: "orders",
      enabled: true,
      disabled_reason: null,
      previous_secret_expires_at: null,
    });
    expect(made.body.id).toMatch(/^we_/);
    expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = made.body.id;

    const read = await dev.call("GET", `/v1/webhook-endpoints/${id}`, { key: shop.key });
    const { secret: _secret, ...withoutSecret } = made.body;
    expect(read.body).toEqual(withoutSecret);
    const list = await dev.call("GET", "/v1/webhook-endpoints", { key: shop.key });
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
    // Another merchant sees nothing of it.
    expect((await dev.call("GET", `/v1/webhook-endpoints/${id}`, { key: other.key })).status).toBe(404);
    expect((await dev.call("GET", "/v1/webhook-endpoints", { key: other.key })).body.data).toEqual([]);

    clock.advanceSeconds(5);
    const changed = await dev.call("PATCH", `/v1/webhook-endpoints/${id}`, {
      key: shop.key,
      body: { event_types: ["*", "invoice.paid"], description: null, enabled: false },
    });
    expect(changed.body).toMatchObject({
      event_types: ["*"],
      description: null,
      enabled: false,
      disabled_reason: "manual",
    });
    expect(changed.body.updated_at).toBe(made.body.updated_at + 5);

    const deleted = await dev.call("DELETE", `/v1/webhook-endpoints/${id}`, { key: shop.key });
    expect(deleted.body).toEqual({ id, object: "webhook_endpoint", deleted: true });
    expect((await dev.call("GET", `/v1/webhook-endpoints/${id}`, { key: shop.key })).status).toBe(404);
    expect((await dev.call("DELETE", `/v1/webhook-endpoints/${id}`, { key: shop.key })).status).toBe(404);
  });

  it("a disabled endpoint gets no deliveries for new events", async () => {
    const made = await create(dev, { url: "https://shop.example/off", enabled: false });
    expect(made.body).toMatchObject({ enabled: false, disabled_reason: "manual" });
    await dev.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: 1_000 } });
    const queued = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?")
      .bind(made.body.id)
      .first<{ n: number }>();
    expect(queued!.n).toBe(0);
    await dev.call("DELETE", `/v1/webhook-endpoints/${made.body.id}`, { key: shop.key });
  });

  it(`holds at most ${LIMITS.maxWebhookEndpoints} endpoints per owner; deleting one makes room`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < LIMITS.maxWebhookEndpoints; i++)
      ids.push((await create(dev, undefined, other.key)).body.id);
    const before = await counts();
    const over = await create(dev, undefined, other.key);
    expect([over.status, over.body.error.code]).toEqual([409, "webhook_endpoint_limit_reached"]);
    expect(await counts()).toEqual(before);
    await dev.call("DELETE", `/v1/webhook-endpoints/${ids[0]}`, { key: other.key });
    expect((await create(dev, undefined, other.key)).status).toBe(201);
  });

  it("new merchant keys carry the webhook and event scopes; narrower keys are refused", async () => {
    const fresh = await dev.call("POST", "/v1/admin/merchants", { key: OPERATOR, body: { name: "Scoped" } });
    expect(fresh.body.api_key.scopes).toEqual([...SCOPES]);
    expect(fresh.body.api_key.scopes).toEqual(
      expect.arrayContaining(["events:read", "webhooks:read", "webhooks:write"]),
    );
    const readOnly = (
      await dev.call("POST", "/v1/api-keys", { key: shop.key, body: { scopes: ["webhooks:read"] } })
    ).body.secret;
    const invoicesOnly = (
      await dev.call("POST", "/v1/api-keys", { key: shop.key, body: { scopes: ["invoices:write"] } })
    ).body.secret;
    expect((await dev.call("GET", "/v1/webhook-endpoints", { key: readOnly })).status).toBe(200);
    const denied = await create(dev, undefined, readOnly);
    expect([denied.status, denied.body.error.code]).toEqual([403, "insufficient_scope"]);
    const events = await dev.call("GET", "/v1/events", { key: invoicesOnly });
    expect([events.status, events.body.error.code]).toEqual([403, "insufficient_scope"]);
  });
});

describe("the events API", () => {
  it("lists a merchant's events newest first, by type, a page at a time; reads one exactly as delivered", async () => {
    const shopX = await newMerchant(dev, "Events Shop");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advanceSeconds(1);
      const inv = await dev.call("POST", "/v1/invoices", {
        key: shopX.key,
        body: { amount_msat: 1_000 + i },
      });
      ids.push(inv.body.id);
    }
    clock.advanceSeconds(1);
    await dev.call("POST", `/v1/invoices/${ids[0]}/cancel`, { key: shopX.key });

    const all = await dev.call("GET", "/v1/events", { key: shopX.key });
    expect(all.body.data.map((e: any) => [e.type, e.data.object.id])).toEqual([
      ["invoice.canceled", ids[0]],
      ["invoice.created", ids[2]],
      ["invoice.created", ids[1]],
      ["invoice.created", ids[0]],
    ]);
    const page1 = await dev.call("GET", "/v1/events?type=invoice.created&limit=2", { key: shopX.key });
    expect(page1.body.has_more).toBe(true);
    const page2 = await dev.call(
      "GET",
      `/v1/events?type=invoice.created&limit=2&starting_after=${page1.body.data[1].id}`,
      {
        key: shopX.key,
      },
    );
    expect(page2.body).toMatchObject({
      has_more: false,
      data: [expect.objectContaining({ type: "invoice.created" })],
    });
    expect(page2.body.data[0].data.object.id).toBe(ids[0]);

    const one = await dev.call("GET", `/v1/events/${all.body.data[0].id}`, { key: shopX.key });
    expect(one.body).toEqual(all.body.data[0]);
    expect(one.body.data.object).toMatchObject({ id: ids[0], status: "canceled", object: "invoice" });
    // Another merchant's events are not found.
    expect((await dev.call("GET", `/v1/events/${one.body.id}`, { key: shop.key })).status).toBe(404);
    expect((await dev.call("GET", `/v1/events/${one.body.id}/deliveries`, { key: shop.key })).status).toBe(
      404,
    );
    expect((await dev.call("GET", "/v1/events?type=invoice.canceled", { key: shop.key })).body.data).toEqual(
      [],
    );
  });
});

describe("bad input changes nothing", () => {
  let endpointId: string;
  let eventId: string;
  beforeAll(async () => {
    endpointId = (await create(dev, { url: "https://shop.example/bad-input" })).body.id;
    await dev.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: 2_000 } });
    eventId = (await dev.call("GET", "/v1/events?limit=1", { key: shop.key })).body.data[0].id;
  });

  type Case = [
    name: string,
    method: string,
    path: () => string,
    body: unknown,
    status: number,
    code: string,
    key?: () => string | undefined,
  ];
  const url = "https://shop.example/x";
  const CASES: Case[] = [
    ["create: url missing", "POST", () => "/v1/webhook-endpoints", {}, 400, "missing_parameter"],
    [
      "create: url not a string",
      "POST",
      () => "/v1/webhook-endpoints",
      { url: 42 },
      400,
      "invalid_parameter",
    ],
    ["create: url empty", "POST", () => "/v1/webhook-endpoints", { url: "" }, 400, "invalid_parameter"],
    [
      "create: no event types",
      "POST",
      () => "/v1/webhook-endpoints",
      { url, event_types: [] },
      400,
      "invalid_parameter",
    ],
    [
      "create: unknown event type",
      "POST",
      () => "/v1/webhook-endpoints",
      { url, event_types: ["invoice.bogus"] },
      400,
      "invalid_parameter",
    ],
    [
      "create: event types as a string",
      "POST",
      () => "/v1/webhook-endpoints",
      { url, event_types: "invoice.paid" },
      400,
      "invalid_parameter",
    ],
    [
      "create: description too long",
      "POST",
      () => "/v1/webhook-endpoints",
      { url, description: "d".repeat(201) },
      400,
      "invalid_parameter",
    ],
    [
      "create: enabled as a string",
      "POST",
      () => "/v1/webhook-endpoints",
      { url, enabled: "yes" },
      400,
      "invalid_parameter",
    ],
    [
      "create: choosing one's own secret",
      "POST",
      () => "/v1/webhook-endpoints",
      { url, secret: "whsec_AAAA" },
      400,
      "unknown_parameter",
    ],
    [
      "create: no key",
      "POST",
      () => "/v1/webhook-endpoints",
      { url },
      401,
      "missing_api_key",
      () => undefined,
    ],
    [
      "create: wrong key",
      "POST",
      () => "/v1/webhook-endpoints",
      { url },
      401,
      "invalid_api_key",
      () => "sk_nope",
    ],
    [
      "operator create: merchant key",
      "POST",
      () => "/v1/admin/webhook-endpoints",
      { url },
      401,
      "invalid_operator_token",
    ],
    [
      "operator create: private address",
      "POST",
      () => "/v1/admin/webhook-endpoints",
      { url: "https://10.1.2.3/x" },
      400,
      "url_private_address",
      () => OPERATOR,
    ],
    [
      "operator create: unknown field",
      "POST",
      () => "/v1/admin/webhook-endpoints",
      { url, merchant_id: "mer_x" },
      400,
      "unknown_parameter",
      () => OPERATOR,
    ],
    [
      "operator read: a merchant's endpoint",
      "GET",
      () => `/v1/admin/webhook-endpoints/${endpointId}`,
      undefined,
      404,
      "webhook_endpoint_not_found",
      () => OPERATOR,
    ],
    [
      "operator update: a merchant's endpoint",
      "PATCH",
      () => `/v1/admin/webhook-endpoints/${endpointId}`,
      { enabled: false },
      404,
      "webhook_endpoint_not_found",
      () => OPERATOR,
    ],
    [
      "operator delete: a merchant's endpoint",
      "DELETE",
      () => `/v1/admin/webhook-endpoints/${endpointId}`,
      undefined,
      404,
      "webhook_endpoint_not_found",
      () => OPERATOR,
    ],
    [
      "update: nothing to change",
      "PATCH",
      () => `/v1/webhook-endpoints/${endpointId}`,
      {},
      400,
      "invalid_parameter",
    ],
    [
      "update: unknown field",
      "PATCH",
      () => `/v1/webhook-endpoints/${endpointId}`,
      { secret: "x" },
      400,
      "unknown_parameter",
    ],
    [
      "update: enabled as a number",
      "PATCH",
      () => `/v1/webhook-endpoints/${endpointId}`,
      { enabled: 1 },
      400,
      "invalid_parameter",
    ],
    [
      "update: unknown endpoint",
      "PATCH",
      () => "/v1/webhook-endpoints/we_missing",
      { enabled: true },
      404,
      "webhook_endpoint_not_found",
    ],
    [
      "rotate: negative overlap",
      "POST",
      () => `/v1/webhook-endpoints/${endpointId}/rotate-secret`,
      { overlap_seconds: -1 },
      400,
      "invalid_parameter",
    ],
    [
      "rotate: overlap over a week",
      "POST",
      () => `/v1/webhook-endpoints/${endpointId}/rotate-secret`,
      { overlap_seconds: 604_801 },
      400,
      "invalid_parameter",
    ],
    [
      "rotate: overlap as a string",
      "POST",
      () => `/v1/webhook-endpoints/${endpointId}/rotate-secret`,
      { overlap_seconds: "60" },
      400,
      "invalid_parameter",
    ],
    [
      "rotate: unknown field",
      "POST",
      () => `/v1/webhook-endpoints/${endpointId}/rotate-secret`,
      { secret: "x" },
      400,
      "unknown_parameter",
    ],
    [
      "rotate: unknown endpoint",
      "POST",
      () => "/v1/webhook-endpoints/we_missing/rotate-secret",
      {},
      404,
      "webhook_endpoint_not_found",
    ],
    [
      "rotate: another merchant's endpoint",
      "POST",
      () => `/v1/webhook-endpoints/${endpointId}/rotate-secret`,
      {},
      404,
      "webhook_endpoint_not_found",
      () => other.key,
    ],
    ["list: limit 0", "GET", () => "/v1/webhook-endpoints?limit=0", undefined, 400, "invalid_parameter"],
    [
      "list: cursor of another kind",
      "GET",
      () => "/v1/webhook-endpoints?starting_after=inv_01",
      undefined,
      400,
      "invalid_cursor",
    ],
    [
      "read: unknown endpoint",
      "GET",
      () => "/v1/webhook-endpoints/we_missing",
      undefined,
      404,
      "webhook_endpoint_not_found",
    ],
    [
      "delete: unknown endpoint",
      "DELETE",
      () => "/v1/webhook-endpoints/we_missing",
      undefined,
      404,
      "webhook_endpoint_not_found",
    ],
    [
      "delete: another merchant's endpoint",
      "DELETE",
      () => `/v1/webhook-endpoints/${endpointId}`,
      undefined,
      404,
      "webhook_endpoint_not_found",
      () => other.key,
    ],
    [
      "events: unknown type",
      "GET",
      () => "/v1/events?type=invoice.bogus",
      undefined,
      400,
      "invalid_parameter",
    ],
    ["events: limit 101", "GET", () => "/v1/events?limit=101", undefined, 400, "invalid_parameter"],
    [
      "events: cursor of another kind",
      "GET",
      () => "/v1/events?starting_after=we_01",
      undefined,
      400,
      "invalid_cursor",
    ],
    [
      "events: unknown query parameter",
      "GET",
      () => "/v1/events?object=invoice",
      undefined,
      400,
      "unknown_parameter",
    ],
    ["event: unknown", "GET", () => "/v1/events/evt_missing", undefined, 404, "event_not_found"],
    [
      "deliveries: unknown event",
      "GET",
      () => "/v1/events/evt_missing/deliveries",
      undefined,
      404,
      "event_not_found",
    ],
    [
      "redeliver: unknown event",
      "POST",
      () => "/v1/events/evt_missing/redeliver",
      {},
      404,
      "event_not_found",
    ],
    [
      "redeliver: unknown endpoint",
      "POST",
      () => `/v1/events/${eventId}/redeliver`,
      { endpoint_id: "we_missing" },
      404,
      "webhook_endpoint_not_found",
    ],
    [
      "redeliver: unknown field",
      "POST",
      () => `/v1/events/${eventId}/redeliver`,
      { to: "all" },
      400,
      "unknown_parameter",
    ],
    [
      "redeliver: another merchant's event",
      "POST",
      () => `/v1/events/${eventId}/redeliver`,
      {},
      404,
      "event_not_found",
      () => other.key,
    ],
  ];

  it.each(CASES)("%s", async (_name, method, path, body, status, code, key) => {
    const before = await counts();
    const res = await dev.call(method, path(), { key: key ? key() : shop.key, body });
    expect([res.status, res.body?.error?.code], JSON.stringify(res.body)).toEqual([status, code]);
    expect(await counts()).toEqual(before);
  });

  it("a body that is not JSON is refused", async () => {
    const before = await counts();
    const res = await dev.call("POST", "/v1/webhook-endpoints", { key: shop.key, raw: "url=https://x" });
    expect(res.status).toBe(400);
    expect(["invalid_json", "invalid_content_type"]).toContain(res.body.error.code);
    expect(await counts()).toEqual(before);
  });
});
