/**
 * Payments end to end over HTTP for `npm run bench`: a fresh regtest node (free port), a local
 * Worker (wrangler dev, its own local D1 and env file), many payers each with its own channel
 * funded on chain, paying pre-created invoices concurrently. Every payment is the real thing: the
 * hub checks the invoice, the state and the payer's BIP143 signature, and commits it in one batch.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SluiceClient } from "../../src/client/api";
import { MemoryStorage } from "../../src/client/storage";
import { PayerWallet } from "../../src/client/wallet";
import { faucetPay } from "../../src/dev/faucet";
import { api, applyMigrations, startWorker, writeEnvFile } from "./dev.mjs";
import { bcoinP2wpkhAddress, freePort, prepareChain, startRegtest } from "./regtest.mjs";

export interface PaymentBenchOptions {
  payments: number;
  channels: number;
  invoiceConcurrency: number;
}

export interface Latencies {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** Every call's latency in ms, sorted. */
  sorted: number[];
}

const AMOUNT_MSAT = 10_000;
const WARMUP_PER_CHANNEL = 2;
/** The timed payments run in rounds; the median round's rate is reported (other work shares the machine). */
const ROUNDS = 3;

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * Runs `total` calls on `lanes` concurrent lanes; lane l makes its calls k = 0, 1, … in order (call
 * number k·lanes + l). Returns the rate over the whole run and each call's latency percentiles.
 */
export async function timed(
  lanes: number,
  total: number,
  work: (lane: number, k: number) => Promise<boolean>,
): Promise<Latencies> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let k = 0; k * lanes + lane < total; k++) {
        const t0 = performance.now();
        if (!(await work(lane, k))) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
    sorted: latencies,
  };
}

/** CPU seconds used so far by each process in a process group (Linux /proc), by role. */
function groupCpuSeconds(pgid: number): Map<string, number> {
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux
  const byRole = new Map<string, number>();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    let cmdline: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after "(comm)": state ppid pgrp … utime(14) stime(15), 1-based over the whole line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== pgid) continue;
    const role = !cmdline.includes("workerd")
      ? "wrangler dev (node)"
      : cmdline.includes("inspector-addr")
        ? "the Worker (workerd: isolate + local D1)"
        : "wrangler dev's proxy (workerd)";
    const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    byRole.set(role, (byRole.get(role) ?? 0) + seconds);
  }
  return byRole;
}

/** One payer: a wallet and its open channel, with its states signed ahead (as a device would). */
interface Payer {
  wallet: PayerWallet;
  channelId: string;
  bodies: Record<string, unknown>[];
}

export async function paymentBench(o: PaymentBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-pay-"));
  const faucet = randomBytes(32);
  const node = await startRegtest();
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    await prepareChain(node, faucet);
    const operatorToken = randomBytes(32).toString("base64url");
    const envFile = writeEnvFile(join(dir, "bench.env"), {
      HUB_SEED: randomBytes(32).toString("hex"),
      OPERATOR_TOKEN: operatorToken,
      DEV_MODE: "true",
      BITCOIN_RPC_URL: node.url,
      BITCOIN_RPC_USER: node.user,
      BITCOIN_RPC_PASSWORD: node.password,
      MIN_CONFIRMATIONS: "1",
    });
    applyMigrations(dir);
    worker = await startWorker({ port: await freePort(), persistTo: dir, quiet: true, envFile });
    const url = worker.url;
    const merchant = await api(url, "/v1/admin/merchants", {
      method: "POST",
      token: operatorToken,
      body: { name: "Bench payments" },
    });
    const key: string = merchant.body.api_key.secret;
    const client = new SluiceClient(url);

    // Channels: offers checked by each wallet, funded from the faucet, one block, registered.
    const perRound = Math.ceil(o.payments / o.channels / ROUNDS);
    const perChannel = perRound * ROUNDS + WARMUP_PER_CHANNEL;
    const capacitySat = Math.max(20_000, Math.ceil((perChannel * AMOUNT_MSAT) / 1000) + 1_000);
    const rpc = { url: node.url, user: node.user, password: node.password };
    const opened: { wallet: PayerWallet; id: string; outpoint: { txid: string; vout: number } }[] = [];
    for (let i = 0; i < o.channels; i++) {
      const wallet = await PayerWallet.open(new MemoryStorage());
      const offer = await wallet.openChannel(client, capacitySat);
      const paid = await faucetPay(rpc, faucet, Buffer.from(offer.fundingScript, "hex"), BigInt(capacitySat));
      opened.push({ wallet, id: offer.id, outpoint: { txid: paid.txid, vout: paid.vout } });
    }
    await node.rpc("generatetoaddress", [1, bcoinP2wpkhAddress(new Uint8Array(32).fill(0xee))]);
    for (const c of opened) {
      const view = await c.wallet.registerFunding(client, c.id, c.outpoint);
      if (view.status !== "open") throw new Error(`channel ${c.id} is ${view.status}, not open`);
    }

    // Invoices (not timed here: their own figure is the invoice benchmark).
    const total = perChannel * o.channels;
    const bolt11s: string[] = new Array(total);
    const invoiceBody = JSON.stringify({ amount_msat: AMOUNT_MSAT, description: "bench" });
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const invoices = await timed(o.invoiceConcurrency, total, async (lane, k) => {
      const i = k * o.invoiceConcurrency + lane;
      const res = await fetch(`${url}/v1/invoices`, { method: "POST", headers, body: invoiceBody });
      bolt11s[i] = ((await res.json()) as { bolt11: string }).bolt11;
      return res.status === 201;
    });
    if (invoices.failures) throw new Error(`${invoices.failures} invoices failed`);

    // Each payer signs its whole sequence of states ahead, so the timed part measures the hub.
    const payers: Payer[] = [];
    for (const [n, c] of opened.entries()) {
      const bodies = [];
      let balance = BigInt(capacitySat) * 1000n;
      for (let k = 0; k < perChannel; k++) {
        balance -= BigInt(AMOUNT_MSAT);
        const { signature, sighashType } = await c.wallet.signState(c.id, {
          seq: k + 1,
          payerBalanceMsat: balance,
        });
        bodies.push({
          invoice: bolt11s[n * perChannel + k],
          channel_id: c.id,
          seq: k + 1,
          payer_balance_msat: Number(balance),
          sighash_type: sighashType,
          signature,
        });
      }
      payers.push({ wallet: c.wallet, channelId: c.id, bodies });
    }
    const send = async (body: Record<string, unknown>) => {
      try {
        const res = await fetch(`${url}/v1/payments`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        await res.arrayBuffer();
        return res.status === 201;
      } catch {
        return false; // counted as a failure (and the committed count below shows it)
      }
    };
    // Warm-up (compile, caches), then the timed run: every payer sends its states one after
    // another (a state can only follow the one before), all payers at once.
    for (let k = 0; k < WARMUP_PER_CHANNEL; k++) await Promise.all(payers.map((p) => send(p.bodies[k]!)));
    const cpuBefore = groupCpuSeconds(worker.child.pid!);
    const clientBefore = process.cpuUsage();
    const rounds: Latencies[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const first = WARMUP_PER_CHANNEL + r * perRound;
      rounds.push(
        await timed(o.channels, perRound * o.channels, (lane, k) => send(payers[lane]!.bodies[first + k]!)),
      );
    }
    const all = rounds.flatMap((round) => round.sorted).sort((a, b) => a - b);
    const paymentsRun = {
      count: all.length,
      perSecond: [...rounds.map((round) => round.perSecond)].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!,
      rounds: rounds.map((round) => round.perSecond),
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      failures: rounds.reduce((n, round) => n + round.failures, 0),
    };
    const payersCpu = process.cpuUsage(clientBefore);
    const cpuAfter = groupCpuSeconds(worker.child.pid!);
    // CPU milliseconds each process spent per payment during the timed run.
    const cpuMsPerPayment: Record<string, number> = {};
    for (const [role, seconds] of cpuAfter)
      cpuMsPerPayment[role] = ((seconds - (cpuBefore.get(role) ?? 0)) * 1000) / paymentsRun.count;
    cpuMsPerPayment["the bench's payers (node)"] =
      (payersCpu.user + payersCpu.system) / 1000 / paymentsRun.count;

    // Everything committed, and the books balance.
    const balance = await api(url, "/v1/balance", { token: key });
    const ledger = await api(url, "/v1/admin/ledger", { token: operatorToken });
    return {
      invoices,
      payments: paymentsRun,
      channels: o.channels,
      cpuMsPerPayment,
      committed: balance.body.payment_count as number,
      expected: total,
      ledgerOk: ledger.body.ok as boolean,
    };
  } finally {
    worker?.stop();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
