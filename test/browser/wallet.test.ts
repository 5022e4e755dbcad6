/**
 * The payer wallet at /wallet in real Chromium, against a real `wrangler dev` Worker, real D1 and a
 * real regtest node, one stack for the whole file (the tests run in order and build on each other,
 * like a person's day with the wallet): create, fund from the faucet, pay a shop's widget, the
 * merchant's webhook; refused paths; the kit; offline; restore in a second profile and pay by
 * scanning a QR code through Chromium's fake camera; the hub stops and the kit alone refunds.
 * Every screen is checked with axe-core and photographed into test-results/.
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ROOT } from "../../scripts/lib/dev.mjs";
import { freePort } from "../../scripts/lib/regtest.mjs";
import { parseKit } from "../../src/client/kit";
import { secp } from "../../src/crypto";
import { signInvoice } from "../../src/lightning/bolt11";
import { qrPayload } from "../../widget/src/format";
import BOLT11 from "../vectors/bolt11.json";
import { type Stack, startStack } from "./stack";
import { writeQrVideo } from "./y4m";

const SHOTS = join(ROOT, "test-results");
const PASS = "correct horse battery staple";
const CAPACITY_SAT = 50_000;
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let stack: Stack;
let hooks: { server: Server; url: string; received: { headers: Record<string, string>; body: string }[] };
/** The wallet page of the first profile, kept across tests like an open tab. */
let page: Page;
let channelId: string;
let paidBolt11: string;
let kitPath: string;
/** Created first, so it has expired by the time a later test tries to pay it. */
let expiring: { bolt11: string; expires_at: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every page of `context` (popups too) records CSP violations from its first script on. */
async function recordViolations(context: BrowserContext) {
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

/** A page of the wallet that records CSP and Trusted Types refusals and script errors. */
async function openWallet(context: BrowserContext, path = "/wallet"): Promise<Page> {
  const p = await context.newPage();
  watch(p);
  await p.goto(`${stack.hubUrl}${path}`);
  return p;
}

function watch(p: Page) {
  const problems: string[] = [];
  p.on("pageerror", (e) => problems.push(e.message));
  p.on("console", (m) => {
    if (/Content Security Policy|Trusted Type/i.test(m.text())) problems.push(m.text());
  });
  (p as unknown as { problems: string[] }).problems = problems;
}

/** No CSP violation, no Trusted Types refusal, no uncaught error so far on this page. */
async function expectClean(p: Page) {
  expect((p as unknown as { problems: string[] }).problems).toEqual([]);
  expect(await p.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
}

const onScreen = (p: Page, name: string, timeout = 30_000) =>
  p.waitForSelector(`[data-screen="${name}"]`, { timeout });

/** axe-core finds no serious or critical violation; then a full-page screenshot. */
async function check(p: Page, name: string) {
  await p.evaluate(AXE);
  const violations = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(o: object): Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run({ resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n: { target: string[] }) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations, `axe on ${name}`).toEqual([]);
  await p.screenshot({ path: join(SHOTS, `wallet-${name}.png`), fullPage: true, animations: "disabled" });
}

const button = (p: Page, name: string | RegExp) =>
  p.getByRole("button", { name, exact: typeof name === "string" });

async function unlockWith(p: Page, passphrase: string) {
  await onScreen(p, "unlock");
  await p.getByLabel("Passphrase").fill(passphrase);
  await button(p, "Unlock").click();
}

/** What the hub says of the channel: the refused paths must leave it untouched. */
const hubState = async () => {
  const c = await stack.client.channel(channelId);
  return { seq: c.seq, balance: c.payer_balance_msat };
};

async function startHooks() {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${port}/hooks`, received };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack({
    vars: {
      // Short lifetimes: the exit test mines past refund_locktime in seconds.
      CHANNEL_LIFETIME_BLOCKS: "30",
      CHANNEL_CLOSE_MARGIN_BLOCKS: "6",
    },
    faucet: true,
  });
  hooks = await startHooks();
  await recordViolations(stack.context);
  expiring = await stack.createInvoice({ amount_msat: 3_000, description: "Too late", expiry_seconds: 60 });
});

afterAll(async () => {
  hooks?.server.close();
  await stack?.stop();
});

describe("the Sluice wallet in Chromium", () => {
  it("the whole journey: create, fund from the faucet, pay the shop's widget; the widget flips, the webhook verifies", async () => {
    page = await openWallet(stack.context);
    await onScreen(page, "welcome");
    await check(page, "welcome");
    await button(page, "Create a wallet").click();
    await onScreen(page, "create");
    await check(page, "create");
    await page.getByLabel("Passphrase", { exact: true }).fill(PASS);
    await page.getByLabel("Repeat the passphrase").fill(PASS);
    await button(page, "Create wallet").click();
    await onScreen(page, "home");
    // The key is in this origin's storage, sealed: no 64-hex secret in any value.
    const stored = await page.evaluate(() => Object.entries(localStorage));
    expect(stored.map(([k]) => k).sort()).toEqual(["sluice:check", "sluice:kdf", "sluice:secret_key"]);
    expect(JSON.parse(stored.find(([k]) => k === "sluice:kdf")![1]).iterations).toBe(600_000);
    for (const [, value] of stored) expect(value).not.toMatch(/"[0-9a-f]{64}"/);
    await check(page, "home-empty");

    await button(page, "Add funds").click();
    await onScreen(page, "open");
    await check(page, "open");
    await page.getByLabel("Amount in sats").fill("50,000");
    await button(page, "Open channel").click();
    await onScreen(page, "funding");
    expect(await page.locator("dd code").first().textContent()).toMatch(/^bcrt1q[02-9ac-hj-np-z]{58}$/);
    await check(page, "funding");
    await button(page, "Fund from the test faucet").click();
    await page.getByText(/Deposit seen: 0 of 1 confirmations/).waitFor();
    await stack.mine(1);
    await page.getByText("Your channel is open: 50,000 sats to spend.").waitFor({ timeout: 20_000 });
    await check(page, "funding-open");
    await button(page, "Done").click();
    await onScreen(page, "home");
    await page.getByText("50,000 sats", { exact: false }).first().waitFor();
    expect(await page.locator(".balance").textContent()).toBe("Balance50,000 sats");
    await check(page, "home");

    const endpoint = await api(stack.hubUrl, "/v1/webhook-endpoints", {
      method: "POST",
      token: stack.merchantKey,
      body: { url: hooks.url, event_types: ["invoice.paid"] },
    });
    expect(endpoint.status).toBe(201);
    const invoice = await stack.createInvoice({ amount_msat: 21_000, description: "Flat white" });
    paidBolt11 = invoice.bolt11;
    const shop = await stack.context.newPage();
    await shop.goto(`${stack.shopUrl}/shop?invoice=${invoice.id}`);
    const widget = shop.locator("sluice-checkout");
    const link = widget.locator("a.wallet");
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe(`${stack.hubUrl}/wallet?invoice=${invoice.id}`);
    expect(await widget.locator(".hint").textContent()).toMatch(/No Sluice wallet\?/);
    await shop.screenshot({ path: join(SHOTS, "wallet-shop.png"), fullPage: true });
    const [popup] = await Promise.all([stack.context.waitForEvent("page"), link.click()]);
    watch(popup);
    await unlockWith(popup, PASS);
    await onScreen(popup, "confirm");
    const confirm = await popup.locator("dl").textContent();
    expect(confirm).toContain("ToCorner Coffee");
    expect(confirm).toContain("ForFlat white");
    expect(confirm).toMatch(/Expiresin (59:[0-5]\d|1:00:00)/);
    expect(confirm).toContain("Balance after49,979 sats");
    expect(await popup.locator(".amount").textContent()).toBe("21 sats");
    channelId = (await popup.locator("dl code").textContent())!;
    await check(popup, "confirm");
    expect(await hubState()).toEqual({ seq: 0, balance: CAPACITY_SAT * 1000 });

    await button(popup, "Pay 21 sats").click();
    await onScreen(popup, "receipt");
    expect(await popup.locator(".amount").textContent()).toBe("21 sats to Corner Coffee");
    await check(popup, "receipt");
    await shop.waitForFunction(
      () => (document.querySelector("sluice-checkout") as unknown as { status: string }).status === "paid",
      undefined,
      { timeout: 15_000 },
    );
    await shop.screenshot({ path: join(SHOTS, "wallet-shop-paid.png"), fullPage: true });
    expect(await hubState()).toEqual({ seq: 1, balance: CAPACITY_SAT * 1000 - 21_000 });

    for (let i = 0; hooks.received.length === 0; i++) {
      if (i > 100) throw new Error("no webhook arrived");
      await sleep(200);
    }
    const delivery = hooks.received[0]!;
    const event = new Webhook(endpoint.body.secret).verify(delivery.body, delivery.headers) as {
      type: string;
      data: { object: { id: string; status: string } };
    };
    expect(event.type).toBe("invoice.paid");
    expect(event.data.object).toMatchObject({ id: invoice.id, status: "paid" });
    await expectClean(page);
    await expectClean(popup);
    await popup.close();
    await shop.close();
  });

  it("refuses, each with a clear message and nothing sent: wrong passphrase; paid, foreign-network, other hub's and too-large invoices", async () => {
    await page.reload();
    await unlockWith(page, "not my passphrase");
    await page.getByRole("alert").getByText("Wrong passphrase. Nothing was unlocked.").waitFor();
    await check(page, "unlock-wrong");
    await unlockWith(page, PASS);
    await onScreen(page, "home");
    const before = await hubState();

    const otherHub = signInvoice(
      {
        network: "regtest",
        amountMsat: 1_000n,
        timestampSeconds: Math.floor(Date.now() / 1000),
        expirySeconds: 3_600,
        paymentHash: new Uint8Array(32).fill(7),
        paymentSecret: new Uint8Array(32).fill(8),
        description: "elsewhere",
        descriptionHash: null,
      },
      secp.utils.randomSecretKey(),
    );
    const tooBig = await stack.createInvoice({ amount_msat: 60_000_000, description: "A bicycle" });
    const mainnet = BOLT11.valid.find((v) => v.network === "bc" && v.amount_msat !== null)!.invoice;
    const cases: [string, string, string][] = [
      ["paid", paidBolt11, "This invoice is already paid. Nothing was sent."],
      [
        "mainnet",
        mainnet,
        "The invoice is for mainnet, the hub runs regtest: it is not payable to this hub (payee differs). Nothing was sent.",
      ],
      ["other-hub", otherHub, "The invoice is not payable to this hub (payee differs). Nothing was sent."],
      ["too-large", tooBig.bolt11, "No funded channel in this wallet covers the amount. Nothing was sent."],
      ["not-an-invoice", "hello", "This is not a Lightning invoice."],
    ];
    await button(page, "Pay").click();
    await onScreen(page, "pay");
    await check(page, "pay");
    for (const [name, text, message] of cases) {
      await page.getByLabel("Lightning invoice").fill(text);
      await button(page, "Continue").click();
      await page.getByRole("alert").getByText(message, { exact: true }).waitFor({ timeout: 10_000 });
      if (name === "too-large") await check(page, "pay-refused");
      expect(await hubState(), name).toEqual(before);
    }

    // A good invoice reaches the confirm screen; Cancel pays nothing.
    const fine = await stack.createInvoice({ amount_msat: 5_000, description: "Biscuit" });
    await page.getByLabel("Lightning invoice").fill(`lightning:${fine.bolt11.toUpperCase()}`);
    await button(page, "Continue").click();
    await onScreen(page, "confirm");
    await button(page, "Cancel").click();
    await onScreen(page, "home");
    expect(await hubState()).toEqual(before);
    expect((await stack.client.checkout(fine.id)).status).toBe("open");
    await expectClean(page);
  });

  it("shows history with the shop's refund, the channel and its refund, and gives the emergency kit as a download and a printable page", async () => {
    // The shop refunds 10 of the 21 sats: the wallet lists it, signed for by the channel key.
    const [paid] = (await api(stack.hubUrl, "/v1/payments", { token: stack.merchantKey })).body.data;
    const refunded = await api(stack.hubUrl, "/v1/refunds", {
      method: "POST",
      token: stack.merchantKey,
      body: { payment_id: paid.id, amount_msat: 10_000 },
    });
    expect(refunded.status).toBe(201);
    await button(page, "History and channels").click();
    await onScreen(page, "history");
    expect(await page.locator("ul.payments:not(.refunds) li").count()).toBe(1);
    expect(await page.locator("ul.payments:not(.refunds) li").textContent()).toContain("21 satsFlat white");
    const refund = page.locator("ul.refunds li");
    await refund.waitFor();
    expect(await refund.count()).toBe(1);
    expect(await refund.textContent()).toMatch(
      /^10 satsfrom Corner CoffeeOwed: paid to your refund address at the hub's next settlement\S/,
    );
    await check(page, "history");
    await page.getByRole("button", { name: `Details of channel ${channelId}` }).click();
    await onScreen(page, "channel");
    expect(await page.locator("dl").textContent()).toContain("Balance49,979 sats");
    await check(page, "channel");
    await button(page, "Build the refund transaction").click();
    await onScreen(page, "refund");
    expect(await page.getByLabel("Signed transaction (hex)").inputValue()).toMatch(/^02000000/);
    await check(page, "refund");
    // Before refund_locktime the node refuses it: the hub relays and says so.
    await button(page, "Broadcast through the hub's node").click();
    await page
      .getByRole("alert")
      .getByText(/the node refused the transaction/)
      .waitFor();

    await page.goto(`${stack.hubUrl}/wallet`);
    await unlockWith(page, PASS);
    await onScreen(page, "home");
    await button(page, "Emergency kit").click();
    await onScreen(page, "kit");
    await check(page, "kit");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      button(page, "Download the kit").click(),
    ]);
    kitPath = join(stack.tmp, "kit.json");
    await download.saveAs(kitPath);
    expect(download.suggestedFilename()).toMatch(/^sluice-kit-[0-9a-f]{8}\.json$/);
    const kit = parseKit(JSON.parse(readFileSync(kitPath, "utf8")));
    const view = await stack.client.channel(channelId);
    expect(kit.channels).toHaveLength(1);
    expect(kit.channels[0]).toMatchObject({
      id: channelId,
      witness_script: view.witness_script,
      funding_txid: view.funding_txid,
      funding_vout: view.funding_vout,
      capacity_sat: CAPACITY_SAT,
      refund_script_pubkey: view.refund_script_pubkey,
      refund_locktime: view.refund_locktime,
    });
    expect(kit.encrypted_key.iterations).toBe(600_000);
    await page.emulateMedia({ media: "print" });
    await page.screenshot({ path: join(SHOTS, "wallet-kit-print.png"), fullPage: true });
    expect(await page.locator("button").first().isVisible()).toBe(false);
    await page.emulateMedia({ media: "screen" });
    await expectClean(page);
  });

  it("works from the keyboard alone, and at 320 px in dark mode without horizontal overflow", async () => {
    await page.setViewportSize({ width: 320, height: 720 });
    await page.emulateMedia({ colorScheme: "dark" });
    try {
      await page.goto("about:blank");
      await page.goto(`${stack.hubUrl}/wallet`);
      await onScreen(page, "unlock");
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          if (el.id === "screen-title") return "heading";
          return el.tagName === "INPUT" ? el.getAttribute("type") : el.textContent;
        });
      expect(await focused()).toBe("heading");
      await page.keyboard.press("Tab");
      expect(await focused()).toBe("password");
      await page.keyboard.type(PASS);
      await page.keyboard.press("Enter");
      await onScreen(page, "home");
      expect(await focused()).toBe("heading");
      const order: (string | null)[] = [];
      for (let i = 0; i < 5; i++) {
        await page.keyboard.press("Tab");
        order.push(await focused());
      }
      expect(order).toEqual(["Pay", "Add funds", "History and channels", "Emergency kit", "Lock"]);
      for (let i = 0; i < 2; i++) await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Enter");
      await onScreen(page, "history");
      for (const [name, go] of [
        ["history", async () => {}],
        [
          "kit",
          async () => {
            await page.goto("about:blank");
            await page.goto(`${stack.hubUrl}/wallet`);
            await unlockWith(page, PASS);
            await button(page, "Emergency kit").click();
          },
        ],
      ] as const) {
        await go();
        await onScreen(page, name);
        const layout = await page.evaluate(() => ({
          width: document.documentElement.scrollWidth,
          background: getComputedStyle(document.documentElement).backgroundColor,
        }));
        expect(layout.width, name).toBeLessThanOrEqual(320);
        expect(layout.background).toBe("rgb(18, 20, 24)");
        await check(page, `${name}-dark-320`);
      }
    } finally {
      await page.setViewportSize({ width: 480, height: 960 });
      await page.emulateMedia({ colorScheme: "light" });
    }
  });

  it("opens offline from its service worker: the balance and the kit, from this device", async () => {
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await stack.context.setOffline(true);
    try {
      await page.reload();
      await unlockWith(page, PASS);
      await onScreen(page, "home");
      await page.getByText("Offline: this is the balance this device last saw.").waitFor();
      expect(await page.locator(".balance").textContent()).toBe("Balance49,979 sats");
      await check(page, "home-offline");
      await button(page, "Emergency kit").click();
      await onScreen(page, "kit");
      expect(await page.locator(".kit").textContent()).toContain(channelId);
    } finally {
      await stack.context.setOffline(false);
    }
  });

  it("an expired invoice is refused with a clear message", async () => {
    const waitMs = expiring.expires_at * 1000 - Date.now() + 1_500;
    if (waitMs > 0) await sleep(waitMs);
    await page.goto("about:blank");
    await page.goto(`${stack.hubUrl}/wallet#pay=${expiring.bolt11}`);
    await unlockWith(page, PASS);
    await page.getByRole("alert").getByText("The invoice has expired. Nothing was sent.").waitFor();
    expect(await page.getByLabel("Lightning invoice").inputValue()).toBe(expiring.bolt11);
  });

  it("restores from the kit in a second fresh profile, then pays an invoice scanned by the camera", async () => {
    const invoice = await stack.createInvoice({ amount_msat: 8_000, description: "Scanned croissant" });
    const video = join(stack.tmp, "invoice-qr.y4m");
    writeQrVideo(video, qrPayload(invoice.bolt11));
    const second = await stack.launchBrowser("second-profile", [
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    await recordViolations(second);
    const p = await openWallet(second);
    await onScreen(p, "welcome");
    await button(p, "Restore from an emergency kit").click();
    await onScreen(p, "restore");
    await check(p, "restore");
    await p.getByLabel("Emergency kit file").setInputFiles(kitPath);
    await p.getByLabel("Passphrase").fill("the wrong one");
    await button(p, "Restore").click();
    await p.getByRole("alert").getByText("Wrong passphrase for this kit. Nothing was restored.").waitFor();
    expect(await p.evaluate(() => localStorage.length)).toBe(0);
    await p.getByLabel("Passphrase").fill(PASS);
    await button(p, "Restore").click();
    await onScreen(p, "home");
    expect(await p.locator(".balance").textContent()).toBe("Balance49,979 sats");
    expect(await p.locator("ul.channels li").textContent()).toContain("49,979 of 50,000 satsOpen");
    await check(p, "home-restored");

    await button(p, "Pay").click();
    await onScreen(p, "pay");
    await button(p, "Scan a QR code").click();
    await onScreen(p, "confirm", 30_000);
    expect(await p.locator(".amount").textContent()).toBe("8 sats");
    expect(await p.locator("dl").textContent()).toContain("ForScanned croissant");
    await check(p, "confirm-scanned");
    await button(p, "Pay 8 sats").click();
    await onScreen(p, "receipt");
    expect(await hubState()).toEqual({ seq: 2, balance: CAPACITY_SAT * 1000 - 29_000 });
    await expectClean(p);
  });

  it("exit without the hub: with the hub stopped, the kit alone refunds the deposit after refund_locktime", async () => {
    const kit = parseKit(JSON.parse(readFileSync(kitPath, "utf8")));
    await stack.stopHub();
    const height = (await stack.node.rpc("getblockcount", [])) as number;
    await stack.mine(kit.channels[0]!.refund_locktime - height);
    const home = join(stack.tmp, "exit");
    mkdirSync(home, { recursive: true });
    const out = await stack.cli(["wallet", "refund", "--kit", kitPath, "--broadcast"], home, {
      SLUICE_KIT_PASSPHRASE: PASS,
      SLUICE_BITCOIN_RPC_URL: stack.rpc.url,
      SLUICE_BITCOIN_RPC_USER: stack.rpc.user,
      SLUICE_BITCOIN_RPC_PASSWORD: stack.rpc.password,
      SLUICE_API_URL: "",
    });
    expect(out.refunds).toHaveLength(1);
    expect(out.refunds[0].broadcast).toBe(true);
    await stack.mine(1);
    const tx = (await stack.node.rpc("getrawtransaction", [out.refunds[0].txid, true])) as {
      confirmations: number;
      vin: { txid: string; vout: number }[];
      vout: { value: number; scriptPubKey: { hex: string } }[];
    };
    expect(tx.confirmations).toBe(1);
    expect(tx.vin[0]).toMatchObject({
      txid: kit.channels[0]!.funding_txid,
      vout: kit.channels[0]!.funding_vout,
    });
    expect(tx.vout[0]!.scriptPubKey.hex).toBe(kit.channels[0]!.refund_script_pubkey);
    expect(Math.round(tx.vout[0]!.value * 1e8)).toBe(out.refunds[0].value_sat);
  });
});
