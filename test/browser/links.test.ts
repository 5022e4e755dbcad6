/**
 * A payment link in a real browser against `wrangler dev` on a regtest node: the page shows the
 * Pay button and makes no invoice; pressing it lands on the invoice's hosted checkout page (the
 * widget), which flips to paid when a channel pays and sends the payer to the success URL. No CSP
 * violation on either page. A link with an open amount in euros: the visitor types it, the page
 * shows it in euros and sats, and the widget shows the invoice's price with the sats beneath.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../scripts/lib/dev.mjs";
import { type Stack, startStack } from "./stack";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe("a payment link page", () => {
  it("is paid from a channel through the hosted checkout, then redirects to the success URL", async () => {
    const created = await api(stack.hubUrl, "/v1/payment-links", {
      method: "POST",
      token: stack.merchantKey,
      body: { amount_msat: 3_000_000, description: "Flat white", success_url: `${stack.shopUrl}/thanks` },
    });
    expect(created.status).toBe(201);
    const link = created.body as { id: string; url: string };
    const { wallet } = await stack.fundedWallet(20_000);

    const page = await stack.context.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(link.url);
    await expect(page.locator("h1").textContent()).resolves.toBe("Corner Coffee");
    await expect(page.locator("p").first().textContent()).resolves.toBe("Flat white");
    const before = await api(stack.hubUrl, "/v1/invoices?limit=100", { token: stack.merchantKey });

    await page.getByRole("button", { name: "Pay 3,000 sats" }).click();
    await page.waitForURL(/\/pay\/inv_/);
    await page.waitForFunction(
      () =>
        (document.querySelector("sluice-checkout") as unknown as { status: string } | null)?.status ===
        "open",
      undefined,
      { timeout: 30_000 },
    );
    const invoiceId = new URL(page.url()).pathname.split("/").pop()!;
    const after = await api(stack.hubUrl, "/v1/invoices?limit=100", { token: stack.merchantKey });
    expect(after.body.data.length).toBe(before.body.data.length + 1);

    // Back to the link and Pay again: the same open invoice, not a second one.
    await page.goto(link.url);
    await page.getByRole("button", { name: "Pay 3,000 sats" }).click();
    await page.waitForURL(/\/pay\/inv_/);
    expect(new URL(page.url()).pathname).toBe(`/pay/${invoiceId}`);

    const invoice = await api(stack.hubUrl, `/v1/invoices/${invoiceId}`, { token: stack.merchantKey });
    expect(invoice.body).toMatchObject({ amount_msat: 3_000_000, metadata: { payment_link: link.id } });
    await wallet.pay(stack.client, invoice.body.bolt11);
    await page.waitForURL(`${stack.shopUrl}/thanks`, { timeout: 30_000 });
    expect(violations).toEqual([]);
    await page.close();
  });

  it("with an open amount in euros: typed on the page, shown in both units there and on the widget", async () => {
    // One cron tick stores the (fixed, development) exchange rates, as `npm start` does.
    expect((await fetch(`${stack.hubUrl}/__scheduled?cron=*+*+*+*+*`)).ok).toBe(true);
    const created = await api(stack.hubUrl, "/v1/payment-links", {
      method: "POST",
      token: stack.merchantKey,
      body: {
        open_price: { currency: "EUR", min_amount_minor: 100, max_amount_minor: 5_000 },
        description: "Tip",
      },
    });
    expect(created.status).toBe(201);
    const page = await stack.context.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(created.body.url);
    await page.getByRole("spinbutton", { name: "Amount in EUR" }).fill("12.5");
    await page.getByRole("button", { name: "Continue" }).click();
    // 12.50 EUR at EUR 90,000 per bitcoin, rounding up: 13,888,889 msat.
    await page.getByText("EUR 12.50 is 13,888.889 sats at today's rate").waitFor();
    await page.getByRole("button", { name: "Pay EUR 12.50" }).click();
    await page.waitForURL(/\/pay\/inv_/);
    const widget = page.locator("sluice-checkout");
    await widget.locator(".amount").getByText("€12.50").waitFor();
    expect(await widget.locator(".fiat").textContent()).toBe("13,888.889 sats");
    const invoiceId = new URL(page.url()).pathname.split("/").pop()!;
    const invoice = await api(stack.hubUrl, `/v1/invoices/${invoiceId}`, { token: stack.merchantKey });
    expect(invoice.body).toMatchObject({
      amount_msat: 13_888_889,
      price: { currency: "EUR", amount_minor: 1_250 },
    });
    expect(violations).toEqual([]);
    await page.close();
  });
});
