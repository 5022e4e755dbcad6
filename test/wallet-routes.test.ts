/**
 * What the Worker does for the payer wallet, in workerd over real D1 and a real regtest node:
 * serves /wallet under the strict policy with SRI-pinned files, the service worker and the
 * manifest; looks up an invoice by its BOLT11 string; the regtest dev faucet; the refund relay.
 */
import { describe, expect, it } from "vitest";
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import { PayerWallet } from "../src/client/wallet";
import { bytesToHex } from "../src/crypto";
import { TEST_BINDINGS } from "./bindings";
import { hub, newMerchant, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV, call, mineTo } from "./regtest";
import BOLT11 from "./vectors/bolt11.json";

const h = hub(testClock(), CHAIN_ENV);
const withFaucet = hub(testClock(), { ...CHAIN_ENV, SLUICE_DEV_FAUCET_SECRET: TEST_BINDINGS.FAUCET_SECRET });

async function get(path: string) {
  const res = await h.app.request(path, {}, h.env);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function sri(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-384", bytes));
  return `sha384-${btoa(String.fromCharCode(...digest))}`;
}

describe("GET /wallet", () => {
  it("serves the page under the strict policy, with no inline script and every file pinned by SRI", async () => {
    const { res, bytes } = await get("/wallet");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types sluice-wallet; manifest-src 'self'; worker-src 'self'",
    );
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("permissions-policy")).toContain("camera=(self)");
    const html = new TextDecoder().decode(bytes);
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=/i);
    const pinned = [
      ...html.matchAll(/(?:src|href)="(\/wallet\/app\.(?:js|css)\?v=[0-9a-f]{16})" integrity="([^"]+)"/g),
    ];
    expect(pinned.map((m) => m[1]!.split("?")[0])).toEqual(["/wallet/app.css", "/wallet/app.js"]);
    for (const [, url, integrity] of pinned) {
      const file = await get(url!);
      expect(file.res.status).toBe(200);
      expect(file.res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(await sri(file.bytes)).toBe(integrity);
    }
    expect(html).toContain('<link rel="manifest" href="/wallet/manifest.webmanifest">');
  });

  it("serves an installable manifest, its icons, and a service worker allowed to control /wallet", async () => {
    const manifest = await get("/wallet/manifest.webmanifest");
    expect(manifest.res.headers.get("content-type")).toBe("application/manifest+json");
    const m = JSON.parse(new TextDecoder().decode(manifest.bytes));
    expect(m).toMatchObject({ start_url: "/wallet", scope: "/wallet", display: "standalone" });
    for (const icon of m.icons as { src: string; sizes: string; type: string }[]) {
      const file = await get(icon.src);
      expect(file.res.status, icon.src).toBe(200);
      expect(file.res.headers.get("content-type")).toBe(icon.type);
      if (icon.type === "image/png") {
        expect(bytesToHex(file.bytes.slice(0, 8))).toBe("89504e470d0a1a0a");
        const side = new DataView(file.bytes.buffer).getUint32(16);
        expect(`${side}x${side}`).toBe(icon.sizes);
      }
    }
    const sw = await get("/wallet/sw.js");
    expect(sw.res.headers.get("service-worker-allowed")).toBe("/wallet");
    expect(sw.res.headers.get("cache-control")).toBe("no-cache");
    expect(new TextDecoder().decode(sw.bytes)).toContain('"/wallet"');
  });

  it("answers 404 for files it does not have", async () => {
    for (const path of ["/wallet/nope.js", "/wallet/constructor", "/wallet/..%2fwrangler.toml"])
      expect((await get(path)).res.status, path).toBe(404);
  });
});

describe("POST /v1/checkout/lookup", () => {
  it("finds this hub's invoice by its BOLT11 string and refuses others", async () => {
    const { key } = await newMerchant(h, "Lookup Cafe");
    const created = await h.call("POST", "/v1/invoices", {
      key,
      body: { amount_msat: 9_000, description: "Bun" },
    });
    const found = await h.call("POST", "/v1/checkout/lookup", { body: { invoice: created.body.bolt11 } });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: created.body.id, merchant_name: "Lookup Cafe", status: "open" });
    const upper = await h.call("POST", "/v1/checkout/lookup", {
      body: { invoice: created.body.bolt11.toUpperCase() },
    });
    expect(upper.body.id).toBe(created.body.id);

    const foreign = await h.call("POST", "/v1/checkout/lookup", {
      body: { invoice: BOLT11.valid[0]!.invoice },
    });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, "invoice_not_found"]);
    const garbage = await h.call("POST", "/v1/checkout/lookup", { body: { invoice: "lnbcrt1garbage" } });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toMatch(/^bolt11_/);
  });
});

describe("the regtest dev faucet", () => {
  it("does not exist without a faucet key", async () => {
    expect((await h.call("GET", "/v1/dev/faucet")).status).toBe(404);
    const paid = await h.call("POST", "/v1/dev/faucet", { body: { channel_id: "ch_x" } });
    expect([paid.status, paid.body.error.code]).toEqual([404, "route_not_found"]);
  });

  it("pays a channel offer's exact capacity to its script, once, and the payer registers it", async () => {
    expect((await withFaucet.call("GET", "/v1/dev/faucet")).body).toEqual({ available: true });
    const client = new SluiceClient("http://hub.test", withFaucet.fetch);
    const wallet = await PayerWallet.open(new MemoryStorage());
    const offer = await wallet.openChannel(client, 25_000);
    const outpoint = await client.devFaucet(offer.id);
    const tx = await call<{ vout: { value: number; scriptPubKey: { hex: string } }[] }>("getrawtransaction", [
      outpoint.txid,
      true,
    ]);
    expect(tx.vout[outpoint.vout]!.scriptPubKey.hex).toBe(offer.fundingScript);
    expect(Math.round(tx.vout[outpoint.vout]!.value * 1e8)).toBe(25_000);
    expect((await wallet.registerFunding(client, offer.id, outpoint)).status).toBe("opening");
    const again = await withFaucet.call("POST", "/v1/dev/faucet", { body: { channel_id: offer.id } });
    expect([again.status, again.body.error.code]).toEqual([409, "channel_not_awaiting_funding"]);
    const unknown = await withFaucet.call("POST", "/v1/dev/faucet", { body: { channel_id: "ch_nope" } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "channel_not_found"]);
  });
});

describe("POST /v1/channels/{id}/refund", () => {
  it("relays the payer's refund only when it spends this channel after refund_locktime", async () => {
    const { wallet, channelId } = await openChannel(h, 20_000);
    const other = await openChannel(h, 20_000);
    const refund = await wallet.buildRefund(channelId, 2);
    const relay = (id: string, raw_tx: string) =>
      h.call("POST", `/v1/channels/${id}/refund`, { body: { raw_tx } });

    const early = await relay(channelId, refund.hex);
    expect([early.status, early.body.error.code]).toEqual([400, "invalid_parameter"]);
    const elsewhere = await relay(other.channelId, refund.hex);
    expect(elsewhere.body.error.message).toMatch(/does not spend this channel/);
    expect((await relay(channelId, "00")).body.error.message).toMatch(/not a transaction/);
    expect((await relay("ch_nope", refund.hex)).status).toBe(404);

    await mineTo((await wallet.channel(channelId)).refundLocktime);
    const sent = await relay(channelId, refund.hex);
    expect(sent.status).toBe(200);
    expect(sent.body.txid).toBe(refund.txid);
    expect(await call<string[]>("getrawmempool")).toContain(refund.txid);
  });
});
