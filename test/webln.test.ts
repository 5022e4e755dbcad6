/**
 * The WebLN provider asks before anything is spent (issue #11 item 4): enable() takes a per-origin
 * decision that is remembered, every payment is confirmed with the decoded invoice, and an origin's
 * spending limit can never be passed — over a real hub, a real channel and the regtest node.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import {
  createWebLNProvider,
  type EnableDecision,
  grantOf,
  OriginPermissions,
  type PaymentAsk,
} from "../src/client/webln";
import { bytesToHex, hexToBytes, sha256 } from "../src/crypto";
import { hub, newMerchant, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV } from "./regtest";

const h = hub(testClock(), CHAIN_ENV);
let shop: { key: string };
let payer: Awaited<ReturnType<typeof openChannel>>;
let nodePubkey: string;

beforeAll(async () => {
  shop = await newMerchant(h, "WebLN Shop");
  payer = await openChannel(h, 100_000);
  nodePubkey = (await h.call("GET", "/v1/node")).body.node_pubkey;
});

const invoice = async (amountMsat: number, description = "a coffee") =>
  (await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: amountMsat, description } }))
    .body;

const channelSeq = async () => (await payer.client.channel(payer.channelId)).seq;

/** A provider for `origin` whose asks are recorded and answered by the test. */
function provider(
  origin: string,
  answers: { enable?: EnableDecision; confirm?: boolean } = {},
  permissions = new OriginPermissions(new MemoryStorage()),
) {
  const asked = { enable: [] as string[], confirm: [] as PaymentAsk[] };
  const webln = createWebLNProvider(payer.wallet, payer.client, {
    origin,
    permissions,
    enable: async (o) => {
      asked.enable.push(o);
      return answers.enable ?? true;
    },
    confirm: async (ask) => {
      asked.confirm.push(ask);
      return answers.confirm ?? true;
    },
  });
  return { webln, asked, permissions };
}

describe("WebLN: nothing is spent without asking", () => {
  it("cannot be made without a confirm callback (there is no default yes)", () => {
    const client = new SluiceClient("http://hub.test", h.fetch);
    const make = (options: unknown) =>
      createWebLNProvider(payer.wallet, client, options as Parameters<typeof createWebLNProvider>[2]);
    expect(() => make(undefined)).toThrow(TypeError);
    expect(() => make({ origin: "https://shop.example", enable: async () => true })).toThrow(/confirm/);
    expect(() => make({ origin: "https://shop.example", confirm: async () => true })).toThrow(/enable/);
    expect(() => make({ enable: async () => true, confirm: async () => true })).toThrow(/origin/);
  });

  it("pays with sendPayment after enable() and a confirmation that shows the decoded invoice", async () => {
    const { webln, asked } = provider("https://shop.example");
    await expect(webln.getInfo()).rejects.toThrow(/enable/);
    await expect(webln.sendPayment((await invoice(1_000)).bolt11)).rejects.toThrow(/enable/);
    expect(await webln.isEnabled()).toBe(false);
    await webln.enable();
    expect(asked.enable).toEqual(["https://shop.example"]);
    expect((await webln.getInfo()).node.pubkey).toBe(nodePubkey);
    const inv = await invoice(2_500, "two cookies");
    const { preimage } = await webln.sendPayment(inv.bolt11);
    expect(bytesToHex(sha256(hexToBytes(preimage)))).toBe(inv.payment_hash);
    expect(asked.confirm).toHaveLength(1);
    expect(asked.confirm[0]).toMatchObject({
      origin: "https://shop.example",
      paymentRequest: inv.bolt11,
      amountMsat: 2_500n,
      description: "two cookies",
      channelId: payer.channelId,
      spentMsat: 0n,
      limitMsat: null,
    });
    expect(asked.confirm[0]!.invoice).toMatchObject({ payment_hash: inv.payment_hash, amount_msat: 2_500 });
  });

  it("a payment the user declines is not made", async () => {
    const { webln, asked } = provider("https://declined.example", { confirm: false });
    await webln.enable();
    const seq = await channelSeq();
    await expect(webln.sendPayment((await invoice(1_000)).bolt11)).rejects.toThrow(/rejected by the user/);
    expect(asked.confirm).toHaveLength(1);
    expect(await channelSeq()).toBe(seq);
  });

  it("asks once per origin and remembers the answer, a refusal included; other origins are asked for themselves", async () => {
    const permissions = new OriginPermissions(new MemoryStorage());
    const shopA = provider("https://a.example", { enable: true }, permissions);
    await Promise.all([shopA.webln.enable(), shopA.webln.enable()]);
    await provider("https://a.example", { enable: false }, permissions).webln.enable(); // remembered: allowed
    expect(shopA.asked.enable).toEqual(["https://a.example"]);

    const nagging = provider("https://b.example", { enable: false }, permissions);
    await expect(nagging.webln.enable()).rejects.toThrow(/not allowed/);
    await expect(nagging.webln.enable()).rejects.toThrow(/not allowed/);
    expect(nagging.asked.enable).toEqual(["https://b.example"]); // asked once, not again
    await expect(nagging.webln.getInfo()).rejects.toThrow(/not allowed/);
    const seq = await channelSeq();
    await expect(nagging.webln.sendPayment((await invoice(1_000)).bolt11)).rejects.toThrow(/not allowed/);
    expect(nagging.asked.confirm).toHaveLength(0);
    expect(await channelSeq()).toBe(seq);
    expect((await permissions.list()).map((g) => [g.origin, g.allowed])).toEqual([
      ["https://a.example", true],
      ["https://b.example", false],
    ]);

    // Forgotten: asked again.
    await permissions.forget("https://b.example");
    const again = provider("https://b.example", { enable: true }, permissions);
    await again.webln.enable();
    expect(again.asked.enable).toEqual(["https://b.example"]);
  });

  it("allows only on an explicit true or {limitMsat}: any other answer refuses, and is remembered as a refusal", async () => {
    const answers: [unknown, boolean, bigint | null][] = [
      [true, true, null],
      [{ limitMsat: 5_000n }, true, 5_000n],
      [{ limitMsat: 0n }, true, 0n],
      [{ limitMsat: null }, true, null],
      [false, false, null],
      [undefined, false, null],
      [null, false, null],
      ["yes", false, null],
      ["true", false, null],
      [1, false, null],
      [{}, false, null],
      [{ limitMsat: 5_000 }, false, null],
      [{ limitMsat: -1n }, false, null],
      [[true], false, null],
    ];
    expect(answers.map(([d]) => [d, grantOf(d)])).toEqual(
      answers.map(([d, allowed, limitMsat]) => [d, { allowed, limitMsat }]),
    );
    const permissions = new OriginPermissions(new MemoryStorage());
    for (const [i, answer] of [undefined, "yes", 1, {}].entries()) {
      const origin = `https://sloppy-${i}.example`;
      let asked = 0;
      let confirmed = 0;
      const webln = createWebLNProvider(payer.wallet, payer.client, {
        origin,
        permissions,
        enable: async () => {
          asked++;
          return answer as EnableDecision;
        },
        confirm: async () => {
          confirmed++;
          return true;
        },
      });
      await expect(webln.enable()).rejects.toThrow(/not allowed/);
      await expect(webln.enable()).rejects.toThrow(/not allowed/);
      expect(asked).toBe(1);
      expect(await webln.isEnabled()).toBe(false);
      const seq = await channelSeq();
      await expect(webln.sendPayment((await invoice(1_000)).bolt11)).rejects.toThrow(/not allowed/);
      expect(confirmed).toBe(0);
      expect(await channelSeq()).toBe(seq);
      expect(await permissions.get(origin)).toMatchObject({ allowed: false, limitMsat: null });
    }
  });

  it("an allowed origin revoked by the wallet's UI can no longer pay", async () => {
    const { webln, permissions } = provider("https://revoked.example");
    await webln.enable();
    await permissions.decide("https://revoked.example", false, 0);
    await expect(webln.sendPayment((await invoice(1_000)).bolt11)).rejects.toThrow(/not allowed/);
  });

  it("never lets an origin spend past its limit: over it, refused unasked; concurrent payments cannot both pass", async () => {
    const { webln, asked, permissions } = provider("https://limited.example", {
      enable: { limitMsat: 10_000n },
    });
    await webln.enable();
    await webln.sendPayment((await invoice(6_000)).bolt11);
    expect((await permissions.get("https://limited.example"))!.spentMsat).toBe(6_000n);
    const seq = await channelSeq();
    await expect(webln.sendPayment((await invoice(4_001)).bolt11)).rejects.toThrow(/4000 msat more/);
    expect(asked.confirm).toHaveLength(1);
    expect(await channelSeq()).toBe(seq);
    // Two at once, each within the limit alone but not together: exactly one is paid.
    const [x, y] = [(await invoice(3_000)).bolt11, (await invoice(3_000)).bolt11];
    const results = await Promise.allSettled([webln.sendPayment(x), webln.sendPayment(y)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await permissions.get("https://limited.example"))!.spentMsat).toBe(9_000n);
    expect(asked.confirm.map((a) => [a.spentMsat, a.limitMsat])).toEqual([
      [0n, 10_000n],
      [6_000n, 10_000n],
    ]);
    // The UI raises the limit: it pays again.
    await permissions.setLimit("https://limited.example", 20_000n);
    await webln.sendPayment((await invoice(3_000)).bolt11);
    expect((await permissions.get("https://limited.example"))!.spentMsat).toBe(12_000n);
  });

  it("a payment the hub refuses does not count against the limit", async () => {
    const { webln, permissions } = provider("https://refused.example", { enable: { limitMsat: 5_000n } });
    await webln.enable();
    const inv = await invoice(4_000);
    await h.call("POST", `/v1/invoices/${inv.id}/cancel`, { key: shop.key });
    await expect(webln.sendPayment(inv.bolt11)).rejects.toMatchObject({ code: "invoice_canceled" });
    expect((await permissions.get("https://refused.example"))!.spentMsat).toBe(0n);
  });

  it("refuses an invalid invoice before asking anyone", async () => {
    const { webln, asked } = provider("https://junk.example");
    await webln.enable();
    await expect(webln.sendPayment("lnbcrt1junk")).rejects.toThrow(/not a valid invoice/);
    expect(asked.confirm).toHaveLength(0);
  });

  it("remembers decisions and spending in the wallet's storage across provider instances", async () => {
    const storage = new MemoryStorage();
    const first = provider(
      "https://kept.example",
      { enable: { limitMsat: 3_000n } },
      new OriginPermissions(storage),
    );
    await first.webln.enable();
    await first.webln.sendPayment((await invoice(2_000)).bolt11);
    const later = provider("https://kept.example", {}, new OriginPermissions(storage));
    await later.webln.enable();
    expect(later.asked.enable).toEqual([]);
    await expect(later.webln.sendPayment((await invoice(1_001)).bolt11)).rejects.toThrow(/1000 msat more/);
  });
});
