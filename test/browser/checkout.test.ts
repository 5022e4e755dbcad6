/**
 * The checkout widget in a real browser: headless Chromium (playwright-core) on a test shop page
 * that embeds the widget from a real `wrangler dev` Worker, paid from real channels on a real
 * regtest node. Screenshots of every state go to test-results/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { decode as decodePng } from "fast-png";
import jsQR from "jsqr";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/dev.mjs";
import { type Stack, startStack } from "./stack";

const SHOTS = join(ROOT, "test-results");
/** The widget polls every second: any payment shows within two (issue 7). */
const PAID_FLIP_MS = 2_000;

interface ShopRecord {
  events: { type: string; at: number; detail: { invoice: string; status: string; payment_hash: string } }[];
  violations: string[];
}

let stack: Stack;
/** The expiry test's invoice and page: its minute starts before the other tests run. */
let expiring: { invoiceId: string; page: Page; box: Box };

type Box = { width: number; height: number };

async function openShop(
  invoiceId: string,
  options: { wallet?: boolean; seed?: Map<string, string>; width?: number; dark?: boolean } = {},
): Promise<Page> {
  const page = await stack.context.newPage();
  if (options.width) await page.setViewportSize({ width: options.width, height: 720 });
  await page.emulateMedia({ colorScheme: options.dark ? "dark" : "light" });
  if (options.seed) {
    // The payer's wallet (key + funded channel) in the shop origin's localStorage, before any script runs.
    await page.addInitScript(
      (entries: [string, string][]) => {
        for (const [k, v] of entries) localStorage.setItem(`sluice:${k}`, v);
      },
      [...options.seed],
    );
  }
  await page.goto(`${stack.shopUrl}/shop?invoice=${invoiceId}${options.wallet ? "&wallet=1" : ""}`);
  return page;
}

const widget = (page: Page) => page.locator("sluice-checkout");

function waitForStatus(page: Page, status: string, timeout = 30_000) {
  return page.waitForFunction(
    (s) => (document.querySelector("sluice-checkout") as unknown as { status: string } | null)?.status === s,
    status,
    { timeout },
  );
}

const record = (page: Page) => page.evaluate(() => (window as unknown as { __shop: ShopRecord }).__shop);

async function box(page: Page): Promise<Box> {
  const b = await widget(page).boundingBox();
  if (!b) throw new Error("the widget is not rendered");
  return { width: b.width, height: b.height };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `checkout-${name}.png`), fullPage: true, animations: "disabled" });

/** Decodes the QR code in a PNG (any channel count) with jsQR. */
function decodeQr(png: Uint8Array): string | null {
  const image = decodePng(png);
  const channels = image.channels;
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    const gray = channels < 3;
    rgba[i * 4] = image.data[i * channels]!;
    rgba[i * 4 + 1] = image.data[i * channels + (gray ? 0 : 1)]!;
    rgba[i * 4 + 2] = image.data[i * channels + (gray ? 0 : 2)]!;
    rgba[i * 4 + 3] = 255;
  }
  return jsQR(rgba, image.width, image.height)?.data ?? null;
}

beforeAll(async () => {
  stack = await startStack();
  mkdirSync(SHOTS, { recursive: true });
  const invoice = await stack.createInvoice({
    amount_msat: 21_000,
    description: "Expires in a minute",
    expiry_seconds: 60,
  });
  const page = await openShop(invoice.id);
  await waitForStatus(page, "open");
  expiring = { invoiceId: invoice.id, page, box: await box(page) };
});

afterAll(async () => {
  await stack?.stop();
});

describe("<sluice-checkout> on a shop page, in Chromium", () => {
  it("shows the invoice, and its QR code decodes back to the exact BOLT11 string", async () => {
    const invoice = await stack.createInvoice({ amount_msat: 150_000, description: "1 cup coffee" });
    const page = await openShop(invoice.id);
    await waitForStatus(page, "open");
    const w = widget(page);
    expect(await w.locator(".merchant").textContent()).toBe("Corner Coffee");
    expect(await w.locator(".amount").textContent()).toBe("150 sats");
    expect(await w.locator(".description").textContent()).toBe("1 cup coffee");
    expect(await w.locator("[role=status]").first().textContent()).toBe("Waiting for payment");
    expect(await w.locator(".countdown").textContent()).toMatch(/^Expires in (59:[0-5]\d|1:00:00)$/);
    expect(await w.locator("a.open").getAttribute("href")).toBe(`lightning:${invoice.bolt11}`);
    expect(await w.locator("button.pay").isHidden()).toBe(true); // no window.webln on this page

    const decoded = decodeQr(await w.locator(".qr svg").screenshot());
    expect(decoded).toBe(`LIGHTNING:${invoice.bolt11.toUpperCase()}`);
    expect(decoded!.slice("lightning:".length).toLowerCase()).toBe(invoice.bolt11);
    await shot(page, "open");
    await widget(page).screenshot({ path: join(SHOTS, "checkout-widget.png"), animations: "disabled" });

    // Keyboard: Tab reaches the QR link, "Open in wallet", then "Copy invoice"; Enter copies.
    const focused = () =>
      page.evaluate(() => document.querySelector("sluice-checkout")!.shadowRoot!.activeElement?.className);
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("qr");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("button open");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("copy");
    await stack.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.shopUrl });
    await page.keyboard.press("Enter");
    await page.waitForFunction(() =>
      document.querySelector("sluice-checkout")!.shadowRoot!.textContent!.includes("Invoice copied"),
    );
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(invoice.bolt11);

    // Styled (constructed stylesheet) under the shop's CSP, which grants no style-src at all.
    expect(await w.locator(".card").evaluate((el) => getComputedStyle(el).borderRadius)).toBe("12px");
    expect((await record(page)).violations).toEqual([]);
  });

  it("pays through the Sluice WebLN provider (window.webln): settles, turns paid, fires sluice:paid", async () => {
    const capacitySat = 50_000;
    const { storage, channelId } = await stack.fundedWallet(capacitySat);
    const invoice = await stack.createInvoice({ amount_msat: 21_000, description: "Flat white" });
    const page = await openShop(invoice.id, { wallet: true, seed: storage.entries });
    await waitForStatus(page, "open");
    const before = await box(page);
    const pay = widget(page).locator("button.pay");
    expect(await pay.textContent()).toBe("Pay with browser wallet");
    await pay.click();
    await waitForStatus(page, "paid");

    const { events, violations } = await record(page);
    expect(events.map((e) => e.type)).toEqual(["sluice:paid"]);
    expect(events[0]!.detail).toEqual({
      invoice: invoice.id,
      status: "paid",
      payment_hash: invoice.payment_hash,
    });
    expect(violations).toEqual([]);
    expect(await widget(page).locator("[role=status]").first().textContent()).toBe("Paid. Thank you!");
    // Settled for real: the hub moved the channel by exactly the invoice amount.
    expect((await stack.client.channel(channelId)).payer_balance_msat).toBe(capacitySat * 1000 - 21_000);
    expect(await page.evaluate(() => localStorage.getItem("sluice:secret_key"))).not.toBeNull();
    expect(await box(page)).toEqual(before);
    await shot(page, "paid");
  });

  it(`flips to paid within ${PAID_FLIP_MS} ms when the CLI pays the invoice from outside the page`, async () => {
    const home = stack.cliHome();
    const opened = await stack.cli(["wallet", "open", "--capacity", "30000"], home);
    await stack.cli(["wallet", "fund", "--channel", opened.id], home);
    await stack.mine(1);
    expect((await stack.cli(["wallet", "status", "--channel", opened.id], home)).status).toBe("open");
    const invoice = await stack.createInvoice({ amount_msat: 5_000, description: "Croissant" });
    const page = await openShop(invoice.id);
    await waitForStatus(page, "open");
    const before = await box(page);

    const paid = await stack.cli(["pay", invoice.bolt11], home);
    const paidBy = Date.now(); // the payment was committed before the CLI printed its result
    expect(paid.amount_msat).toBe(5_000);
    await waitForStatus(page, "paid", 15_000);
    const event = (await record(page)).events.find((e) => e.type === "sluice:paid");
    expect(event?.detail.invoice).toBe(invoice.id);
    const flipMs = event!.at - paidBy;
    expect(flipMs, `the widget turned paid ${flipMs} ms after the CLI returned`).toBeLessThan(PAID_FLIP_MS);
    expect(await box(page)).toEqual(before);
    await shot(page, "paid-elsewhere");
  });

  it("fits a 320 px wide screen in dark mode without horizontal overflow, QR still readable", async () => {
    const invoice = await stack.createInvoice({
      amount_msat: 123_456_789,
      description: "A rather long description: two espressos, one oat-milk flat white and a croissant",
    });
    const page = await openShop(invoice.id, { width: 320, dark: true });
    await waitForStatus(page, "open");
    const layout = await page.evaluate(() => {
      const root = document.querySelector("sluice-checkout")!.shadowRoot!;
      const card = root.querySelector(".card")!;
      const rights = [...root.querySelectorAll("*")].map((el) => el.getBoundingClientRect().right);
      return {
        viewport: window.innerWidth,
        page: document.documentElement.scrollWidth,
        cardOverflow: card.scrollWidth - card.clientWidth,
        rightmost: Math.max(...rights),
        background: getComputedStyle(card).backgroundColor,
        color: getComputedStyle(card).color,
      };
    });
    expect(layout.viewport).toBe(320);
    expect(layout.page).toBeLessThanOrEqual(320);
    expect(layout.cardOverflow).toBe(0);
    expect(layout.rightmost).toBeLessThanOrEqual(320);
    expect(layout.background).toBe("rgb(22, 24, 29)");
    expect(layout.color).toBe("rgb(236, 238, 242)");
    expect(await widget(page).locator(".amount").textContent()).toBe("123,456.789 sats");
    expect(decodeQr(await widget(page).locator(".qr svg").screenshot())).toBe(
      `LIGHTNING:${invoice.bolt11.toUpperCase()}`,
    );
    await shot(page, "dark-320");
  });

  it("shows canceled when the merchant cancels, and fires sluice:canceled", async () => {
    const invoice = await stack.createInvoice({ amount_msat: 1_000 });
    const page = await openShop(invoice.id);
    await waitForStatus(page, "open");
    const before = await box(page);
    await stack.cancelInvoice(invoice.id);
    await waitForStatus(page, "canceled");
    expect((await record(page)).events.map((e) => e.type)).toEqual(["sluice:canceled"]);
    expect(await box(page)).toEqual(before);
    await shot(page, "canceled");
  });
});

describe("the hosted page /pay/{id}", () => {
  it("renders the widget under its strict CSP and sends the shopper to success_url once paid", async () => {
    const invoice = await stack.createInvoice({
      amount_msat: 10_000,
      description: "Hosted checkout",
      success_url: `${stack.shopUrl}/thanks`,
    });
    expect(invoice.checkout_url).toBe(`${stack.hubUrl}/pay/${invoice.id}`);
    const page = await stack.context.newPage();
    const refused: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Trusted Type/i.test(m.text())) refused.push(m.text());
    });
    page.on("pageerror", (e) => refused.push(e.message));
    await page.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => w.__violations.push(e.violatedDirective));
    });
    await page.goto(invoice.checkout_url);
    await waitForStatus(page, "open");
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual(
      [],
    );
    expect(await widget(page).locator(".amount").textContent()).toBe("10 sats");
    await shot(page, "hosted");

    const { wallet } = await stack.fundedWallet(20_000);
    await wallet.pay(stack.client, invoice.bolt11);
    await page.waitForURL(`${stack.shopUrl}/thanks`, { timeout: 20_000 });
    expect(refused).toEqual([]);
  });
});

describe("expiry", () => {
  it("an invoice whose time runs out shows expired, fires sluice:expired, and keeps its layout", async () => {
    const { page, invoiceId } = expiring;
    await waitForStatus(page, "expired", 90_000);
    await page.waitForFunction(
      () =>
        (window as unknown as { __shop: ShopRecord }).__shop.events.some((e) => e.type === "sluice:expired"),
      undefined,
      { timeout: 30_000 },
    );
    const w = widget(page);
    expect(await w.locator("[role=status]").first().textContent()).toBe("This invoice has expired");
    expect(await w.locator(".countdown").textContent()).toBe("");
    expect(await w.locator("button.copy").isVisible()).toBe(false);
    const view = await (await fetch(`${stack.hubUrl}/v1/checkout/${invoiceId}`)).json();
    expect(view.status).toBe("expired");
    expect(await box(page)).toEqual(expiring.box);
    await shot(page, "expired");
  }, 150_000);
});
