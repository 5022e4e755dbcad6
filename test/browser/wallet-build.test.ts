/**
 * The wallet's build: its size budget, and that the browser stand-ins for bolt11's Node
 * dependencies (wallet/shims) decode exactly as the real packages do, on BOLT #11's own vectors
 * and on invoices this hub signs (fallback addresses and route hints included).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import bolt11 from "bolt11";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/dev.mjs";
import { decodeInvoice, signInvoice } from "../../src/lightning/bolt11";
import { buildWallet, SDK_BROWSER_OPTIONS, WALLET_BUDGET_GZIP_BYTES } from "../../wallet/build.mjs";
import vectors from "../vectors/bolt11.json";

const tmp = mkdtempSync(join(tmpdir(), "sluice-wallet-build-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** bolt11 and src/lightning/bolt11.ts bundled exactly as the wallet bundles them, as an ES module for Node. */
async function shimmed(): Promise<{ decodeInvoice: typeof decodeInvoice; decode: typeof bolt11.decode }> {
  const result = await build({
    stdin: {
      contents: `export { decode } from "bolt11"; export { decodeInvoice } from "./src/lightning/bolt11.ts";`,
      resolveDir: ROOT,
    },
    bundle: true,
    format: "esm",
    write: false,
    logLevel: "warning",
    ...SDK_BROWSER_OPTIONS,
  });
  const file = join(tmp, "bolt11-browser.mjs");
  writeFileSync(file, result.outputFiles[0]!.text);
  return import(pathToFileURL(file).href);
}

/**
 * bolt11.decode's result as plain JSON (Buffers as hex), or "throws" (the bech32 libraries word
 * their messages differently; decodeInvoice, compared exactly, maps failures to its own codes).
 */
function outcome(decode: typeof bolt11.decode, invoice: string): unknown {
  try {
    return JSON.parse(
      JSON.stringify(decode(invoice), (_k, v) =>
        v && typeof v === "object" && v.type === "Buffer" ? Buffer.from(v.data).toString("hex") : v,
      ),
    );
  } catch {
    return "throws";
  }
}

describe("the wallet build", () => {
  it(`keeps its scripts and stylesheet within ${WALLET_BUDGET_GZIP_BYTES} bytes gzipped`, async () => {
    const { gzip, gzipBytes } = await buildWallet();
    expect(gzipBytes).toBe(gzip.js + gzip.css + gzip.sw);
    expect(gzipBytes).toBeLessThanOrEqual(WALLET_BUDGET_GZIP_BYTES);
  });

  it("decodes every BOLT #11 vector and hub-signed invoice exactly as the real dependencies do", async () => {
    const browser = await shimmed();
    const hubSigned = [0n, 1n, 1_000n, 123_456_789n, 2_100_000_000_000_000_000n].map((amountMsat) =>
      signInvoice(
        {
          network: "regtest",
          amountMsat,
          timestampSeconds: 1_800_000_000,
          expirySeconds: 600,
          paymentHash: new Uint8Array(32).fill(1),
          paymentSecret: new Uint8Array(32).fill(2),
          description: "Grüße, ☕ and 🚲",
          descriptionHash: null,
        },
        new Uint8Array(32).fill(3),
      ),
    );
    const inputs = [...vectors.valid, ...vectors.invalid].map((v) => v.invoice).concat(hubSigned);
    for (const invoice of inputs) {
      expect(browser.decodeInvoice(invoice), invoice).toEqual(decodeInvoice(invoice));
      // The package itself, field by field: amounts (bn.js), bytes (Buffer), words (bech32), addresses.
      expect(outcome(browser.decode, invoice), invoice).toEqual(outcome(bolt11.decode, invoice));
    }
    const fallback = vectors.valid.filter((v) => "fallback_address" in v);
    expect(fallback.length).toBeGreaterThan(0);
    for (const v of fallback) {
      const decoded = browser.decodeInvoice(v.invoice);
      expect(decoded.ok && decoded.value.fallback_addresses).toContain(
        (v as { fallback_address: string }).fallback_address,
      );
    }
  });
});
