/**
 * `npm start`: the whole hub locally. A regtest node (bcoin, RPC on 127.0.0.1:18443, chain kept in
 * .sluice/regtest), mined past segwit with a dev faucet and a funded hub wallet; secrets in
 * .dev.vars; migrations on local D1; the Worker on 127.0.0.1:8787; blocks and cron on intervals;
 * a demo merchant; credentials in .sluice/dev.json. Ctrl-C stops everything it started.
 *
 * A second hub beside the first: SLUICE_PORT (Worker), SLUICE_RPC_PORT (regtest RPC) and
 * SLUICE_STATE_DIR (then the chain, local D1, secrets and dev.json all live in that directory).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { p2wpkh } from "../src/chain/script";
import { hexToBytes } from "../src/crypto";
import { faucetPay } from "../src/dev/faucet";
import { deriveKey, parseSeed } from "../src/keys/derive";
import {
  api,
  applyMigrations,
  ensureDevVars,
  readDevJson,
  ROOT,
  startWorker,
  writeDevJson,
} from "./lib/dev.mjs";
import { makeCertificate, startTlsTerminator } from "./lib/loopback-tls";
import { bcoinP2wpkhAddress, prepareChain, startRegtest } from "./lib/regtest.mjs";

const CRON_INTERVAL_SECONDS = Number(process.env.SLUICE_CRON_INTERVAL_SECONDS ?? 10);
const BLOCK_INTERVAL_SECONDS = Number(process.env.SLUICE_BLOCK_INTERVAL_SECONDS ?? 5);
const WORKER_PORT = Number(process.env.SLUICE_PORT ?? 8787);
const RPC_PORT = Number(process.env.SLUICE_RPC_PORT ?? 18443);
// LNURL clients speak only https to `name@host` (port 443, no port in the address): the demo
// address lives on this host, served through a local TLS terminator (`npm run lnurl` routes to it).
const LNURL_HOST = "sluice.localhost";
const LNURL_TLS_PORT = Number(process.env.SLUICE_LNURL_TLS_PORT ?? 8443);
const STATE_DIR = process.env.SLUICE_STATE_DIR ? resolve(process.env.SLUICE_STATE_DIR) : undefined;
const stateDir = STATE_DIR ?? join(ROOT, ".sluice");
const HUB_WALLET_DEPOSIT_SAT = 1_000_000_000n; // 10 BTC of regtest coins for settlement payouts

// With a state dir, its own env file replaces .dev.vars (wrangler reads only the file it is given).
const envFile = STATE_DIR ? join(STATE_DIR, "dev.vars") : undefined;
mkdirSync(stateDir, { recursive: true });
const vars = ensureDevVars(
  {
    BITCOIN_RPC_USER: "sluice",
    BITCOIN_RPC_PASSWORD: randomBytes(16).toString("hex"),
    MIN_CONFIRMATIONS: "1",
    // Settle every 30 s and call a payout final at 3 blocks (a block every 5 s): the walk-through
    // sees its payout confirmed within a minute. Production keeps the defaults (10 min, 6 blocks).
    SETTLEMENT_INTERVAL_SECONDS: "30",
    SETTLEMENT_CONFIRMATIONS: "3",
    SLUICE_DEV_FAUCET_SECRET: randomBytes(32).toString("hex"),
    LIGHTNING_ADDRESS_DOMAIN: LNURL_HOST,
  },
  { ...(envFile ? { path: envFile } : {}), current: { BITCOIN_RPC_URL: `http://127.0.0.1:${RPC_PORT}/` } },
);
const faucetSecret = hexToBytes(vars.SLUICE_DEV_FAUCET_SECRET!);
const rpcPassword = vars.BITCOIN_RPC_PASSWORD!;
const dataDir = join(stateDir, "regtest");
mkdirSync(dataDir, { recursive: true });

const node = await startRegtest({ port: RPC_PORT, password: rpcPassword, dataDir });
const stoppers: (() => unknown)[] = [() => node.stop()];
const stopAll = async (code = 0) => {
  for (const stop of stoppers.reverse()) await stop();
  process.exit(code);
};
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

try {
  const height = await prepareChain(node, faucetSecret);
  const rpc = { url: node.url, user: node.user, password: rpcPassword };
  const previous = readDevJson(stateDir);
  let hubWalletDeposit = previous?.hub_wallet_deposit;
  if (!hubWalletDeposit) {
    const walletKey = deriveKey(parseSeed(vars.HUB_SEED), "wallet");
    const paid = await faucetPay(rpc, faucetSecret, p2wpkh(walletKey.publicKey), HUB_WALLET_DEPOSIT_SAT);
    hubWalletDeposit = { txid: paid.txid, vout: paid.vout, value_sat: Number(HUB_WALLET_DEPOSIT_SAT) };
    await node.rpc("generatetoaddress", [1, bcoinP2wpkhAddress(new Uint8Array(32).fill(0xee))]);
  }

  const persistTo = STATE_DIR ? join(STATE_DIR, "wrangler") : undefined;
  applyMigrations(persistTo);
  const worker = await startWorker({
    port: WORKER_PORT,
    ...(persistTo ? { persistTo } : {}),
    ...(envFile ? { envFile } : {}),
  });
  stoppers.push(() => worker.stop());
  worker.child.on("exit", (code: number | null) => {
    console.error(`wrangler dev exited (${code}); stopping`);
    void stopAll(code ?? 1);
  });

  // Reuse the demo merchant's key if it still works against this database; otherwise create one.
  let merchantKey = previous?.merchant_api_key;
  if (
    !merchantKey ||
    (await api(worker.url, "/v1/invoices?limit=1", { token: merchantKey })).status !== 200
  ) {
    const created = await api(worker.url, "/v1/admin/merchants", {
      method: "POST",
      token: vars.OPERATOR_TOKEN,
      body: { name: "Demo Shop" },
    });
    if (created.status !== 201)
      throw new Error(`creating the demo merchant failed: ${created.body?.error?.code}`);
    merchantKey = created.body.api_key.secret;
  }
  // The hub wallet's regtest deposit is the hub's capital for payouts and fees (idempotent).
  const registered = await api(worker.url, "/v1/admin/wallet/utxos", {
    method: "POST",
    token: vars.OPERATOR_TOKEN,
    body: { txid: hubWalletDeposit.txid, vout: hubWalletDeposit.vout },
  });
  if (registered.status !== 200 && registered.status !== 201)
    throw new Error(`registering the hub wallet deposit failed: ${registered.body?.error?.code}`);
  const lightningAddress = await demoAddress(worker.url, merchantKey!);
  const tls = await lnurlTls(Number(new URL(worker.url).port));
  stoppers.push(() => tls.stop());
  // One cron tick now rather than in CRON_INTERVAL_SECONDS: it stores the exchange rates (the fixed
  // development source by default), so fiat-priced invoices work from the first request.
  await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  const info = (await api(worker.url, "/v1/node")).body;
  const path = writeDevJson(
    {
      api_url: worker.url,
      merchant_api_key: merchantKey,
      operator_token: vars.OPERATOR_TOKEN,
      network: info.network,
      bitcoin_rpc_url: node.url,
      bitcoin_rpc_user: node.user,
      bitcoin_rpc_password: rpcPassword,
      faucet_secret: vars.SLUICE_DEV_FAUCET_SECRET,
      hub_wallet_deposit: hubWalletDeposit,
      lightning_address: lightningAddress,
      lnurl_tls: { host: LNURL_HOST, port: tls.port, ca_file: tls.caFile },
    },
    stateDir,
  );

  const burn = bcoinP2wpkhAddress(new Uint8Array(32).fill(0xee));
  const miner = setInterval(
    () => node.rpc("generatetoaddress", [1, burn]).catch(() => {}),
    BLOCK_INTERVAL_SECONDS * 1000,
  );
  const cron = setInterval(() => {
    fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
  }, CRON_INTERVAL_SECONDS * 1000);
  stoppers.push(
    () => clearInterval(miner),
    () => clearInterval(cron),
  );

  console.log(`
Sluice is running at ${worker.url}  (network: ${info.network}, node ${info.node_pubkey})
  regtest:     bitcoind-style RPC at ${node.url} (height ${height}+), a block every ${BLOCK_INTERVAL_SECONDS} s
  credentials: ${path}
  API docs:    ${worker.url}/docs
  checkout:    an invoice's checkout_url (${worker.url}/pay/<inv_…>), or embed ${worker.url}/widget.js
  address:     ${lightningAddress} (LNURL-pay over https://127.0.0.1:${tls.port}; try \`npm run lnurl -- resolve ${lightningAddress}\`)
  cron:        every ${CRON_INTERVAL_SECONDS} s
Try:  ${STATE_DIR ? `SLUICE_STATE_DIR=${STATE_DIR} ` : ""}npm run sluice -- wallet open --capacity 100000
Ctrl-C stops everything.`);
} catch (e) {
  console.error(`npm start failed: ${(e as Error).message}`);
  await stopAll(1);
}

/** The demo merchant's Lightning Address `demo@sluice.localhost` (claimed once, then found again). */
async function demoAddress(workerUrl: string, merchantKey: string): Promise<string> {
  const claimed = await api(workerUrl, "/v1/lightning-addresses", {
    method: "POST",
    token: merchantKey,
    body: { name: "demo", comment_allowed: 140, success_message: "Thanks for paying Demo Shop!" },
  });
  if (claimed.status === 201) return claimed.body.address;
  const held = await api(workerUrl, "/v1/lightning-addresses?limit=100", { token: merchantKey });
  const demo = held.body?.data?.find((a: { name: string }) => a.name === "demo");
  if (!demo) throw new Error(`claiming demo@${LNURL_HOST} failed: ${claimed.body?.error?.code}`);
  return demo.address;
}

/** The TLS terminator for LNURL: a certificate for LNURL_HOST kept in the state dir (made once). */
async function lnurlTls(upstreamPort: number) {
  const dir = join(stateDir, "tls");
  mkdirSync(dir, { recursive: true });
  const caFile = join(dir, "lnurl-cert.pem");
  const keyFile = join(dir, "lnurl-key.pem");
  if (!existsSync(caFile) || !existsSync(keyFile)) {
    const made = await makeCertificate(LNURL_HOST, 365);
    writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
    writeFileSync(caFile, made.certPem);
  }
  const certificate = { certPem: readFileSync(caFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
  const server = await startTlsTerminator({ certificate, upstreamPort, port: LNURL_TLS_PORT });
  return { ...server, caFile };
}
