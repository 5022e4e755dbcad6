/**
 * A payment link in a real browser against `wrangler dev` on a regtest node: the page shows the
 * Pay button and makes no invoice; pressing it lands on the invoice's hosted checkout page (the
 * widget), which flips to paid when a channel pays and sends the payer to the success URL. No CSP
 * violation on either page.
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
});
