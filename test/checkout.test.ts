import { beforeAll, describe, expect, it } from "vitest";
import { WIDGET_INTEGRITY, WIDGET_JS, WIDGET_VERSION } from "../src/checkout/widget";
import { LIMITS } from "../src/core/limits";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV } from "./regtest";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);
let key: string;

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Corner <Coffee> & Co"));
});

const createInvoice = async (body: Record<string, unknown>) => {
  const res = await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 150_000, ...body } });
  expect(res.status).toBe(201);
  return res.body;
};

/** Every key of a JSON value, at any depth. */
const keysDeep = (value: unknown): string[] =>
  value && typeof value === "object" ? Object.entries(value).flatMap(([k, v]) => [k, ...keysDeep(v)]) : [];

async function gzipBytes(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

describe("the public checkout view GET /v1/checkout/{id}", () => {
  it("shows a shopper what to pay and nothing private: no preimage, no private metadata, no success URL yet", async () => {
    const inv = await createInvoice({
      description: "1 cup coffee",
      metadata: { sku: "espresso", customer_email: "alice@example.com" },
      public_metadata_keys: ["sku"],
      success_url: "https://shop.example/thanks?order=1042",
      order_id: "1042",
    });
    const res = await h.call("GET", `/v1/checkout/${inv.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: inv.id,
      object: "checkout",
      status: "open",
      merchant_name: "Corner <Coffee> & Co",
      description: "1 cup coffee",
      amount_msat: 150_000,
      bolt11: inv.bolt11,
      payment_hash: inv.payment_hash,
      created_at: inv.created_at,
      expires_at: inv.expires_at,
      paid_at: null,
      success_url: null,
      metadata: { sku: "espresso" },
      fiat: null,
      server_time: Math.floor(clock.nowMs() / 1000),
    });
    expect(keysDeep(res.body)).not.toContain("preimage");
    expect(JSON.stringify(res.body)).not.toContain("alice@example.com");
    expect(JSON.stringify(res.body)).not.toContain("1042");
    expect(res.headers.get("cache-control")).toBe(`public, max-age=${LIMITS.checkoutCacheSeconds}`);
  });

  it("once paid: status paid, paid_at and the success URL, still no preimage", async () => {
    const inv = await createInvoice({ success_url: "https://shop.example/thanks" });
    const { wallet, client } = await openChannel(h, 50_000);
    const paid = await wallet.pay(client, inv.bolt11);
    const res = await h.call("GET", `/v1/checkout/${inv.id}`);
    expect(res.body).toMatchObject({
      status: "paid",
      success_url: "https://shop.example/thanks",
      paid_at: expect.any(Number),
    });
    expect(keysDeep(res.body)).not.toContain("preimage");
    expect(JSON.stringify(res.body)).not.toContain(paid.preimage);
  });

  it("shows expired once the invoice's time is up and canceled once the merchant cancels", async () => {
    const short = await createInvoice({ expiry_seconds: 60 });
    const later = testClock(clock.nowMs() + 61_000);
    const expired = await hub(later, CHAIN_ENV).call("GET", `/v1/checkout/${short.id}`);
    expect(expired.body).toMatchObject({ status: "expired", paid_at: null });
    const canceled = await createInvoice({});
    await h.call("POST", `/v1/invoices/${canceled.id}/cancel`, { key });
    expect((await h.call("GET", `/v1/checkout/${canceled.id}`)).body.status).toBe("canceled");
  });

  it("answers 404 invoice_not_found for an unknown id, and changes nothing", async () => {
    const before = await tableCounts();
    for (const id of ["inv_00000000000000000000000000", "nope", "x".repeat(64)]) {
      const res = await h.call("GET", `/v1/checkout/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("invoice_not_found");
    }
    expect(await tableCounts()).toEqual(before);
  });

  it("may be read from any origin (CORS), like the payer routes; merchant routes may not", async () => {
    const inv = await createInvoice({});
    const origin = { origin: "https://shop.example" };
    const view = await h.call("GET", `/v1/checkout/${inv.id}`, { headers: origin });
    expect(view.headers.get("access-control-allow-origin")).toBe("*");
    const preflight = await h.app.request(
      "/v1/payments",
      {
        method: "OPTIONS",
        headers: {
          ...origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      },
      h.env,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type,idempotency-key");
    const merchant = await h.call("GET", "/v1/invoices", { key, headers: origin });
    expect(merchant.status).toBe(200);
    expect(merchant.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("checkout fields on the invoice", () => {
  it("checkout_url is PUBLIC_URL/pay/{id}, or the API's own origin when PUBLIC_URL is unset", async () => {
    const inv = await createInvoice({});
    expect(inv.checkout_url).toBe(`http://localhost/pay/${inv.id}`);
    const configured = hub(clock, { ...CHAIN_ENV, PUBLIC_URL: "https://pay.example.com/" });
    const res = await configured.call("POST", "/v1/invoices", { key, body: { amount_msat: 1_000 } });
    expect(res.body.checkout_url).toBe(`https://pay.example.com/pay/${res.body.id}`);
    expect((await h.call("GET", `/v1/invoices/${res.body.id}`, { key })).body.checkout_url).toBe(
      res.body.checkout_url,
    );
  });

  it("keeps success_url and public_metadata_keys as given", async () => {
    const inv = await createInvoice({
      metadata: { a: "1", b: "2" },
      public_metadata_keys: ["b"],
      success_url: "http://localhost:3000/thanks",
    });
    expect(inv).toMatchObject({ success_url: "http://localhost:3000/thanks", public_metadata_keys: ["b"] });
  });

  // One row per case; every one is a 400 invalid_parameter on the named field that stores nothing.
  const BAD: [name: string, body: Record<string, unknown>, param: string][] = [
    ["javascript: success URL", { success_url: "javascript:alert(1)" }, "success_url"],
    ["data: success URL", { success_url: "data:text/html,hi" }, "success_url"],
    ["plain http to a public host", { success_url: "http://shop.example/thanks" }, "success_url"],
    ["credentials in the URL", { success_url: "https://user:pw@shop.example/" }, "success_url"],
    ["not a URL", { success_url: "thanks.html" }, "success_url"],
    [
      "a URL too long",
      { success_url: `https://shop.example/${"a".repeat(LIMITS.maxUrlChars)}` },
      "success_url",
    ],
    [
      "public key absent from metadata",
      { metadata: { a: "1" }, public_metadata_keys: ["b"] },
      "public_metadata_keys",
    ],
    ["public keys without metadata", { public_metadata_keys: ["a"] }, "public_metadata_keys"],
    [
      "public keys not strings",
      { metadata: { a: "1" }, public_metadata_keys: [1] },
      "public_metadata_keys.0",
    ],
  ];

  it.each(BAD)("rejects %s", async (_name, body, param) => {
    const before = await tableCounts();
    const res = await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 1_000, ...body } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_parameter", param });
    expect(await tableCounts()).toEqual(before);
  });
});

describe("the hosted page /pay/{id}", () => {
  it("renders the widget under a strict CSP, pinned by SRI to the current version", async () => {
    const inv = await createInvoice({});
    const res = await h.app.request(`/pay/${inv.id}`, {}, h.env);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    const csp = res.headers.get("content-security-policy")!;
    const style = html.match(/<style>([^<]*)<\/style>/)![1]!;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style)));
    const styleHash = btoa(String.fromCharCode(...digest));
    expect(csp.split("; ")).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "connect-src 'self'",
      `style-src 'sha256-${styleHash}'`,
      "img-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "require-trusted-types-for 'script'",
      "trusted-types 'none'",
    ]);
    expect(csp).not.toContain("unsafe");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(html).toContain(`<sluice-checkout invoice="${inv.id}"></sluice-checkout>`);
    expect(html).toContain(
      `<script src="/widget.js?v=${WIDGET_VERSION}" integrity="${WIDGET_INTEGRITY}" defer>`,
    );
    const sri = new Uint8Array(await crypto.subtle.digest("SHA-384", new TextEncoder().encode(WIDGET_JS)));
    expect(WIDGET_INTEGRITY).toBe(`sha384-${btoa(String.fromCharCode(...sri))}`);
    expect(html).toContain("<title>Pay Corner &lt;Coffee&gt; &amp; Co</title>");
    expect(html).not.toContain("<Coffee>");
    expect(html).toContain(`<a href="lightning:${inv.bolt11}">`);
    expect(html).not.toMatch(/<script>|\sstyle=|\son\w+=/);
  });

  it("answers an unknown invoice with a 404 page under the same CSP", async () => {
    const res = await h.app.request("/pay/inv_00000000000000000000000000", {}, h.env);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await res.text()).toContain("This invoice does not exist");
  });
});

describe("the widget script /widget.js", () => {
  it(`stays under the size budget: ${LIMITS.widgetMaxGzipBytes} bytes gzipped`, async () => {
    const res = await h.app.request(`/widget.js?v=${WIDGET_VERSION}`, {}, h.env);
    const body = await res.text();
    expect(body).toBe(WIDGET_JS);
    const size = await gzipBytes(body);
    expect(size).toBeGreaterThan(1_000);
    expect(size).toBeLessThan(LIMITS.widgetMaxGzipBytes);
  });

  it("is immutable at its versioned URL, briefly cached at the bare one, and revalidates by ETag", async () => {
    const versioned = await h.app.request(`/widget.js?v=${WIDGET_VERSION}`, {}, h.env);
    expect(versioned.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(versioned.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(versioned.headers.get("access-control-allow-origin")).toBe("*");
    for (const path of ["/widget.js", "/widget.js?v=0000000000000000"]) {
      const res = await h.app.request(path, {}, h.env);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    }
    const again = await h.app.request(
      "/widget.js",
      { headers: { "if-none-match": `"${WIDGET_VERSION}"` } },
      h.env,
    );
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });
});
