/**
 * Everything a browser test needs, real and on loopback: a bcoin regtest node, the Worker under
 * `wrangler dev` (own port, own D1 in a temp dir, own env file), a merchant, the test shop on
 * another origin, and headless Chromium (./chromium.ts: Debian's, else npm's) with a fresh profile.
 */
import { type ChildProcess, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import type { BrowserContext } from "playwright-core";
import { api, applyMigrations, ensureDevVars, ROOT, startWorker } from "../../scripts/lib/dev.mjs";
import {
  bcoinP2wpkhAddress,
  freePort,
  prepareChain,
  type RegtestNode,
  startRegtest,
} from "../../scripts/lib/regtest.mjs";
import { SluiceClient } from "../../src/client/api";
import type { WalletStorage } from "../../src/client/storage";
import { PayerWallet } from "../../src/client/wallet";
import { hexToBytes } from "../../src/crypto";
import { faucetPay } from "../../src/dev/faucet";
import { SDK_BROWSER_OPTIONS } from "../../wallet/build.mjs";
import { buildWidget } from "../../widget/build.mjs";
import { launchChromium } from "./chromium";
import { startShop } from "./shop";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bundles the payer SDK (src/client) for the browser as the test shop's window.webln, as the wallet does. */
async function bundleWallet(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, "test/browser/fixtures/wallet.ts")],
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "warning",
    ...SDK_BROWSER_OPTIONS,
  });
  return result.outputFiles[0]!.text;
}

/** Ends a process group (wrangler and its workerd) and waits for it; SIGKILL after 10 s. */
async function stopGroup(child: ChildProcess) {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {}
  };
  signal("SIGTERM");
  if ((await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])) === false)
    signal("SIGKILL");
}

/** Key–value storage whose entries can be copied into a browser's localStorage. */
class CopyableStorage implements WalletStorage {
  readonly entries = new Map<string, string>();
  async get(key: string) {
    return this.entries.get(key) ?? null;
  }
  async set(key: string, value: string) {
    this.entries.set(key, value);
  }
}

/**
 * The least invoice expiry the stack's Worker allows (MIN_INVOICE_EXPIRY_SECONDS, regtest only; production
 * keeps 60 s): long enough for a loaded machine to open the page and see the invoice open first.
 */
export const TEST_EXPIRY_SECONDS = 20;

export type Stack = Awaited<ReturnType<typeof startStack>>;

export interface StackOptions {
  /** Extra Worker vars (e.g. LIGHTNING_ADDRESS_DOMAIN; the wallet tests shorten channel lifetimes). */
  vars?: Record<string, string>;
  /** Give the Worker the regtest dev faucet's key (the wallet's "Fund from the test faucet"). */
  faucet?: boolean;
  /** Launch Chromium (default true); without it `context` throws. */
  browser?: boolean;
}

export async function startStack(options: StackOptions = {}) {
  const tmp = mkdtempSync(join(tmpdir(), "sluice-browser-"));
  const stoppers: (() => unknown)[] = [];
  const stop = async () => {
    for (const fn of stoppers.reverse()) await Promise.resolve(fn()).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const faucetSecret = randomBytes(32);
    const [node, widget, walletJs] = await Promise.all([startRegtest(), buildWidget(), bundleWallet()]);
    stoppers.push(() => node.stop());
    await prepareChain(node, faucetSecret);

    const envFile = join(tmp, "worker.env");
    const vars = ensureDevVars(
      {
        BITCOIN_RPC_URL: node.url,
        BITCOIN_RPC_USER: node.user,
        BITCOIN_RPC_PASSWORD: node.password,
        MIN_CONFIRMATIONS: "1",
        CHANNEL_MIN_CAPACITY_SAT: "10000",
        // The expiry test watches an invoice run out: a short one, not production's 60 s least.
        MIN_INVOICE_EXPIRY_SECONDS: String(TEST_EXPIRY_SECONDS),
        ...options.vars,
        ...(options.faucet ? { SLUICE_DEV_FAUCET_SECRET: faucetSecret.toString("hex") } : {}),
      },
      { path: envFile },
    );
    const persistTo = join(tmp, "d1");
    applyMigrations(persistTo, { quiet: true });
    const worker = await startWorker({ port: await freePort(), persistTo, envFile, quiet: true });
    stoppers.push(() => stopGroup(worker.child));

    const created = await api(worker.url, "/v1/admin/merchants", {
      method: "POST",
      token: vars.OPERATOR_TOKEN,
      body: { name: "Corner Coffee" },
    });
    if (created.status !== 201) throw new Error(`creating the merchant failed: ${created.status}`);
    const merchantKey: string = created.body.api_key.secret;

    const shop = await startShop({
      port: await freePort(),
      hubUrl: worker.url,
      widgetVersion: widget.version,
      walletJs,
    });
    stoppers.push(() => shop.stop());

    let browser: BrowserContext | null = null;
    if (options.browser !== false) {
      const launched = await launchChromium(join(tmp, "chromium-profile"), {
        viewport: { width: 480, height: 960 },
      });
      browser = launched;
      stoppers.push(() => launched.close());
    }

    const rpc = { url: node.url, user: node.user, password: node.password };
    const client = new SluiceClient(worker.url);
    const burn = bcoinP2wpkhAddress(new Uint8Array(32).fill(0xee));
    const mine = (blocks: number) => node.rpc("generatetoaddress", [blocks, burn]);

    /** Creates an invoice as the merchant; throws unless 201. */
    async function createInvoice(body: Record<string, unknown>) {
      const res = await api(worker.url, "/v1/invoices", { method: "POST", token: merchantKey, body });
      if (res.status !== 201) throw new Error(`invoice: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as {
        id: string;
        bolt11: string;
        payment_hash: string;
        expires_at: number;
        checkout_url: string;
      };
    }

    /** Cancels an invoice as the merchant. */
    async function cancelInvoice(id: string) {
      const res = await api(worker.url, `/v1/invoices/${id}/cancel`, { method: "POST", token: merchantKey });
      if (res.status !== 200) throw new Error(`cancel: ${res.status}`);
    }

    /** A payer wallet with one open channel of `capacitySat`, funded from the regtest faucet. */
    async function fundedWallet(capacitySat: number) {
      const storage = new CopyableStorage();
      const wallet = await PayerWallet.open(storage);
      const offer = await wallet.openChannel(client, capacitySat);
      const outpoint = await faucetPay(
        rpc,
        faucetSecret,
        hexToBytes(offer.fundingScript),
        BigInt(capacitySat),
      );
      await wallet.registerFunding(client, offer.id, outpoint);
      await mine(1);
      for (let i = 0; (await client.channel(offer.id)).status !== "open"; i++) {
        if (i > 50) throw new Error("the channel did not open");
        await sleep(200);
      }
      return { wallet, storage, channelId: offer.id };
    }

    /** Runs `npm run sluice -- …` as a separate process in `cwd` (which holds .sluice/dev.json). */
    function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<any> {
      return new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "src/cli/sluice.ts"), ...args],
          {
            cwd,
            env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, "tsconfig.json"), ...env },
            timeout: 60_000,
          },
          (error, stdout, stderr) =>
            error
              ? reject(new Error(`sluice ${args[0]} failed: ${stderr || error.message}`))
              : resolve(JSON.parse(stdout)),
        );
      });
    }

    /** A directory the CLI runs in: its .sluice/dev.json points at this stack. */
    function cliHome(): string {
      const home = mkdtempSync(join(tmp, "cli-"));
      mkdirSync(join(home, ".sluice"));
      writeFileSync(
        join(home, ".sluice/dev.json"),
        JSON.stringify({
          api_url: worker.url,
          bitcoin_rpc_url: node.url,
          bitcoin_rpc_user: node.user,
          bitcoin_rpc_password: node.password,
          faucet_secret: faucetSecret.toString("hex"),
        }),
        { mode: 0o600 },
      );
      return home;
    }

    /** Another browser, with its own fresh profile and extra Chromium flags (a fake camera…). */
    async function launchBrowser(name: string, args: string[] = []) {
      const other = await launchChromium(join(tmp, name), { viewport: { width: 480, height: 960 }, args });
      stoppers.push(() => other.close());
      return other;
    }

    return {
      hubUrl: worker.url,
      rpc,
      launchBrowser,
      /** Stops the Worker (the hub vanishes; the chain stays). */
      stopHub: () => stopGroup(worker.child),
      shopUrl: shop.url,
      widgetVersion: widget.version,
      node: node as RegtestNode,
      get context(): BrowserContext {
        if (!browser) throw new Error("this stack was started without a browser");
        return browser;
      },
      merchantKey,
      tmp,
      client,
      mine,
      createInvoice,
      cancelInvoice,
      fundedWallet,
      cli,
      cliHome,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
