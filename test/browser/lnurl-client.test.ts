/**
 * A real LNURL client from npm (@getalby/lightning-tools, unmodified, in its own Node process)
 * resolves a Lightning Address against `wrangler dev` on a real regtest node, fetches an invoice,
 * and verifies it (LUD-21) once it is paid from a channel. The library only speaks https to
 * `name@host`, so the hub sits behind a local TLS terminator whose self-signed certificate, made
 * here, the client process trusts through NODE_EXTRA_CA_CERTS (scripts/lib/loopback-tls.ts).
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ROOT } from "../../scripts/lib/dev.mjs";
import { makeCertificate, startTlsTerminator } from "../../scripts/lib/loopback-tls";
import { bytesToHex, hexToBytes, sha256, utf8ToBytes } from "../../src/crypto";
import { decodeInvoice } from "../../src/lightning/bolt11";
import { type Stack, startStack } from "./stack";

const HOST = "hub.sluice.test";
let stack: Stack;
let terminator: Awaited<ReturnType<typeof startTlsTerminator>>;
let caFile: string;
let strangerCaFile: string;

/** Runs scripts/lnurl.ts in a fresh Node process that trusts `ca`; resolves its JSON or rejects with stderr. */
function client(args: string[], ca = caFile): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "scripts/lnurl.ts"), ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: {
          ...process.env,
          TSX_TSCONFIG_PATH: join(ROOT, "tsconfig.json"),
          NODE_EXTRA_CA_CERTS: ca,
          SLUICE_LNURL_HOST: HOST,
          SLUICE_LNURL_TLS_PORT: String(terminator.port),
        },
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(JSON.parse(stdout)),
    );
  });
}

beforeAll(async () => {
  stack = await startStack({ browser: false, vars: { LIGHTNING_ADDRESS_DOMAIN: HOST } });
  const certificate = await makeCertificate(HOST);
  caFile = join(stack.tmp, "hub-ca.pem");
  writeFileSync(caFile, certificate.certPem);
  strangerCaFile = join(stack.tmp, "stranger-ca.pem");
  writeFileSync(strangerCaFile, (await makeCertificate(HOST)).certPem);
  terminator = await startTlsTerminator({ certificate, upstreamPort: Number(new URL(stack.hubUrl).port) });
  const claimed = await api(stack.hubUrl, "/v1/lightning-addresses", {
    method: "POST",
    token: stack.merchantKey,
    body: {
      name: "coffee",
      description: "Corner Coffee tips",
      comment_allowed: 64,
      success_message: "Merci!",
    },
  });
  expect(claimed.status).toBe(201);
  expect(claimed.body.address).toBe(`coffee@${HOST}`);
});

afterAll(async () => {
  await terminator?.stop();
  await stack?.stop();
});

describe("a Lightning Address through @getalby/lightning-tools", () => {
  it("resolves, fetches an invoice with h = sha256(metadata), is paid from a channel, and verifies (LUD-21)", async () => {
    const resolved = await client([
      "invoice",
      `coffee@${HOST}`,
      "--sats",
      "2100",
      "--comment",
      "for the crew",
    ]);
    expect(resolved).toMatchObject({
      callback: `https://${HOST}/lnurlp/coffee/callback`,
      min_sendable_msat: 1_000,
      description: "Corner Coffee tips",
      identifier: `coffee@${HOST}`,
      comment_allowed: 64,
      invoice: { satoshi: 2100, success_action: { tag: "message", message: "Merci!" } },
    });
    const pr: string = resolved.invoice.pr;
    const decoded = decodeInvoice(pr);
    if (!decoded.ok) throw new Error(decoded.error.message);
    // The library's own hash of the metadata string it received is the invoice's h tag.
    expect(decoded.value.description_hash).toBe(resolved.metadata_hash);
    expect(decoded.value.amount_msat).toBe(2_100_000);

    const unpaid = await client(["verify", pr, resolved.invoice.verify]);
    expect(unpaid).toEqual({ settled: false, preimage: null, preimage_valid: null });

    const { wallet } = await stack.fundedWallet(20_000);
    const paid = await wallet.pay(stack.client, pr);
    expect(paid.amount_msat).toBe(2_100_000);

    const settled = await client(["verify", pr, resolved.invoice.verify]);
    expect(settled).toEqual({ settled: true, preimage: paid.preimage, preimage_valid: true });
    expect(bytesToHex(sha256(hexToBytes(settled.preimage)))).toBe(decoded.value.payment_hash);

    // The merchant sees an ordinary paid invoice carrying the address and the comment.
    const invoiceId = resolved.invoice.verify.split("/").pop();
    const invoice = await api(stack.hubUrl, `/v1/invoices/${invoiceId}`, { token: stack.merchantKey });
    expect(invoice.body).toMatchObject({
      status: "paid",
      metadata: { lightning_address: `coffee@${HOST}`, comment: "for the crew" },
      description_hash: bytesToHex(
        sha256(
          utf8ToBytes(
            JSON.stringify([
              ["text/plain", "Corner Coffee tips"],
              ["text/identifier", `coffee@${HOST}`],
            ]),
          ),
        ),
      ),
    });
  });

  it("the library refuses the hub when its certificate is not the trusted one (TLS is really checked)", async () => {
    await expect(client(["resolve", `coffee@${HOST}`], strangerCaFile)).rejects.toThrow(
      /SELF_SIGNED|UNABLE_TO_VERIFY|CERT_/,
    );
  });

  it("an unknown name does not resolve", async () => {
    await expect(client(["resolve", `nobody@${HOST}`])).rejects.toThrow(/did not resolve/);
  });
});
