/**
 * `npm run lnurl -- …`: resolves a Lightning Address on a local hub with a real LNURL client from npm
 * (@getalby/lightning-tools, unmodified), over the https it insists on (scripts/lib/loopback-tls.ts).
 *
 *   npm run lnurl -- resolve <name@host>                         the LUD-16 pay request
 *   npm run lnurl -- invoice <name@host> --sats N [--comment C]  + an invoice from the callback (LUD-06/09/12/21)
 *   npm run lnurl -- verify <bolt11> <verify-url>                LUD-21: settled? preimage?
 *
 * The route and trust come from SLUICE_LNURL_HOST + SLUICE_LNURL_TLS_PORT + NODE_EXTRA_CA_CERTS, or
 * from `lnurl_tls` in the dev.json `npm start` writes (then the script restarts itself once with
 * NODE_EXTRA_CA_CERTS set, because Node reads that variable only at start).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Invoice, LightningAddress } from "@getalby/lightning-tools";
import { readDevJson, ROOT } from "./lib/dev.mjs";
import { routeHost } from "./lib/loopback-tls";

interface Route {
  host: string;
  port: number;
  caFile: string;
}

function route(): Route | null {
  const { SLUICE_LNURL_HOST: host, SLUICE_LNURL_TLS_PORT: port, NODE_EXTRA_CA_CERTS: ca } = process.env;
  if (host && port && ca) return { host, port: Number(port), caFile: ca };
  const dev = readDevJson(process.env.SLUICE_STATE_DIR ?? join(ROOT, ".sluice"));
  const tls = dev?.lnurl_tls as { host: string; port: number; ca_file: string } | undefined;
  return tls ? { host: tls.host, port: tls.port, caFile: tls.ca_file } : null;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function resolve(address: string) {
  const ln = new LightningAddress(address, { proxy: false });
  await ln.fetch();
  const pay = ln.lnurlpData;
  if (!pay) throw new Error(`${address} did not resolve to an LNURL-pay request`);
  return { ln, pay };
}

async function main(args: string[]): Promise<unknown> {
  const [command, ...rest] = args;
  if (command === "resolve" || command === "invoice") {
    const address = rest[0];
    if (!address) throw new Error(`usage: npm run lnurl -- ${command} <name@host>`);
    const { ln, pay } = await resolve(address);
    const resolved = {
      address,
      callback: pay.callback,
      min_sendable_msat: pay.min,
      max_sendable_msat: pay.max,
      description: pay.description,
      identifier: pay.identifier,
      comment_allowed: pay.commentAllowed ?? 0,
      metadata_hash: pay.metadataHash,
    };
    if (command === "resolve") return resolved;
    const sats = Number(option(rest, "sats"));
    if (!Number.isSafeInteger(sats) || sats <= 0) throw new Error("--sats must be a positive integer");
    const comment = option(rest, "comment");
    const invoice = await ln.requestInvoice({ satoshi: sats, ...(comment ? { comment } : {}) });
    return {
      ...resolved,
      invoice: {
        pr: invoice.paymentRequest,
        payment_hash: invoice.paymentHash,
        satoshi: invoice.satoshi,
        verify: invoice.verify,
        success_action: invoice.successAction,
      },
    };
  }
  if (command === "verify") {
    const [pr, verify] = rest;
    if (!pr || !verify) throw new Error("usage: npm run lnurl -- verify <bolt11> <verify-url>");
    const invoice = new Invoice({ pr, verify });
    const settled = await invoice.verifyPayment();
    return {
      settled,
      preimage: invoice.preimage,
      preimage_valid: invoice.preimage ? invoice.validatePreimage(invoice.preimage) : null,
    };
  }
  throw new Error("usage: npm run lnurl -- resolve|invoice|verify … (see scripts/lnurl.ts)");
}

const r = route();
if (r && process.env.NODE_EXTRA_CA_CERTS !== r.caFile) {
  // Trust is read once, at process start: run again with the local hub's certificate trusted.
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: r.caFile },
  });
  process.exit(again.status ?? 1);
}
if (r) routeHost(r.host, r.port);
main(process.argv.slice(2)).then(
  (out) => console.log(JSON.stringify(out, null, 2)),
  (e: Error) => {
    const cause = (e.cause as { code?: string } | undefined)?.code;
    console.error(cause ? `${e.message} (${cause})` : e.message);
    process.exit(1);
  },
);
