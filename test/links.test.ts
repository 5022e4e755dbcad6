/**
 * Payment links in workerd: the API and its events, the page /l/{id} (viewing creates nothing), the
 * Pay button minting an ordinary invoice on demand and handing a returning visitor the same one,
 * and a disabled link refusing. The page in a real browser: test/browser/links.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";
import { linkPages } from "./link-pages";

const clock = testClock();
const h = hub(clock);
let key: string;

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Corner Coffee"));
});

const createLink = async (body: Record<string, unknown>) => {
  const res = await h.call("POST", "/v1/payment-links", { key, body });
  expect(res.status).toBe(201);
  return res.body;
};

const { press, page, invoiceOf } = linkPages(h, () => key);

describe("payment links API", () => {
  it("creates, lists, retrieves and disables a link, announcing payment_link.created and .disabled", async () => {
    const link = await createLink({ amount_msat: 21_000_000, description: "Espresso" });
    expect(link).toMatchObject({
      object: "payment_link",
      status: "active",
      amount_msat: 21_000_000,
      description: "Espresso",
      success_url: null,
      url: `http://localhost/l/${link.id}`,
      disabled_at: null,
    });
    expect(link.id).toMatch(/^pl_/);
    expect((await h.call("GET", `/v1/payment-links/${link.id}`, { key })).body).toEqual(link);
    const list = await h.call("GET", "/v1/payment-links", { key });
    expect(list.body.data.map((l: { id: string }) => l.id)).toContain(link.id);

    const disabled = await h.call("POST", `/v1/payment-links/${link.id}/disable`, { key });
    expect(disabled.body).toMatchObject({ status: "disabled", disabled_at: expect.any(Number) });
    const again = await h.call("POST", `/v1/payment-links/${link.id}/disable`, { key });
    expect(again.body).toEqual(disabled.body);

    const events = (await h.call("GET", "/v1/events?limit=100", { key })).body.data as {
      type: string;
      data: { object: { id: string; status: string } };
    }[];
    const mine = events
      .filter((e) => e.data.object.id === link.id)
      .map((e) => `${e.type} ${e.data.object.status}`);
    expect(mine.sort()).toEqual(["payment_link.created active", "payment_link.disabled disabled"]);
  });

  it("another merchant cannot see or disable your link", async () => {
    const link = await createLink({});
    const other = await newMerchant(h, "Other");
    expect((await h.call("GET", `/v1/payment-links/${link.id}`, { key: other.key })).status).toBe(404);
    const res = await h.call("POST", `/v1/payment-links/${link.id}/disable`, { key: other.key });
    expect(res.body.error.code).toBe("payment_link_not_found");
  });
});

describe("the link page /l/{id}", () => {
  it("viewing it creates nothing (a crawler mints no invoices), under the hosted page's CSP", async () => {
    const link = await createLink({ amount_msat: 5_000_000, description: "Croissant <fresh>" });
    const before = await tableCounts();
    for (let i = 0; i < 5; i++) {
      const res = await page(`/l/${link.id}`);
      expect(res.status).toBe(200);
      expect(res.html).toContain("Pay 5,000 sats");
      expect(res.html).toContain("Croissant &lt;fresh&gt;");
      expect(res.html).toContain('method="post"');
      expect(res.headers.get("content-security-policy")).toContain("form-action 'self'");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("x-robots-tag")).toBe("noindex");
    }
    expect(await tableCounts()).toEqual(before);
  });

  it("Pay mints an ordinary invoice for the link and redirects to its checkout page; the same visitor gets it again", async () => {
    const link = await createLink({
      amount_msat: 5_000_000,
      description: "Croissant",
      success_url: "https://shop.example/thanks",
    });
    const first = await press(`/l/${link.id}`);
    expect(first.status).toBe(303);
    expect(first.setCookie).toMatch(/sluice_visitor=[A-Za-z0-9_-]{22}; .*HttpOnly/i);
    const invoice = await invoiceOf(first.location!);
    expect(invoice).toMatchObject({
      status: "open",
      amount_msat: 5_000_000,
      description: "Croissant",
      success_url: "https://shop.example/thanks",
      metadata: { payment_link: link.id },
      expiry_seconds: 600,
    });
    expect(first.location).toBe(invoice.checkout_url);

    // The same visitor pressing again (a reload, a double click) gets the same invoice: no new rows.
    const before = await tableCounts();
    const second = await press(`/l/${link.id}`, first.cookie);
    expect(second.location).toBe(first.location);
    expect(await tableCounts()).toEqual(before);

    // Another visitor gets its own; and near its expiry the first visitor gets a fresh one.
    const stranger = await press(`/l/${link.id}`);
    expect(stranger.location).not.toBe(first.location);
    clock.advanceSeconds(600 - 60);
    const late = await press(`/l/${link.id}`, first.cookie);
    expect(late.location).not.toBe(first.location);
    clock.advanceSeconds(60);
  });

  it("an open link takes the visitor's amount in sats, two steps: choose, then pay", async () => {
    const link = await createLink({ description: "Tip jar" });
    const ask = await page(`/l/${link.id}`);
    expect(ask.html).toContain('name="amount_sat"');
    const chosen = await page(`/l/${link.id}?amount_sat=1500`);
    expect(chosen.html).toContain("Pay 1,500 sats");
    expect(chosen.html).toContain(`action="/l/${link.id}?amount_sat=1500"`);
    const paid = await press(`/l/${link.id}?amount_sat=1500`);
    expect((await invoiceOf(paid.location!)).amount_msat).toBe(1_500_000);
    const other = await press(`/l/${link.id}?amount_sat=1600`, paid.cookie);
    expect((await invoiceOf(other.location!)).amount_msat).toBe(1_600_000);
  });

  it("bad amounts, unknown and disabled links answer a page with a 4xx and change nothing", async () => {
    const open = await createLink({});
    const fixed = await createLink({ amount_msat: 1_000 });
    const gone = await createLink({ amount_msat: 1_000 });
    await h.call("POST", `/v1/payment-links/${gone.id}/disable`, { key });
    const rows: [path: string, status: number][] = [
      [`/l/${open.id}`, 400],
      [`/l/${open.id}?amount_sat=0`, 400],
      [`/l/${open.id}?amount_sat=1.5`, 400],
      [`/l/${open.id}?amount_sat=-3`, 400],
      [`/l/${open.id}?amount_sat=1e3`, 400],
      [`/l/${open.id}?amount_sat=99999999999`, 400],
      [`/l/${fixed.id}?amount_sat=5`, 400],
      [`/l/${gone.id}`, 410],
      ["/l/pl_missing", 404],
      [`/l/${"x".repeat(65)}`, 404],
    ];
    const before = await tableCounts();
    for (const [path, status] of rows) {
      const res = await press(path);
      expect(res.status, path).toBe(status);
      expect(res.text).toContain("<!doctype html>");
      expect(res.setCookie, path).toBeNull();
    }
    expect((await page(`/l/${gone.id}`)).status).toBe(410);
    expect((await page("/l/pl_missing")).status).toBe(404);
    expect((await page(`/l/${open.id}?amount_sat=0`)).status).toBe(400);
    expect(await tableCounts()).toEqual(before);
  });
});
