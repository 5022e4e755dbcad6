/**
 * Payments end to end over HTTP for `npm run bench`, against any running hub (the production
 * bundle under Miniflare, or wrangler dev): many payers, each with its own channel funded on a real
 * regtest node and opened by the hub's on-chain check, paying invoices the merchant created. Every
 * payment is the real thing: the hub checks the invoice, the state and the payer's BIP143
 * signature, and commits it in one guarded batch. Payers sign their states before a timed run (as
 * their own devices would), so the figures are the hub's.
 */
import { SluiceClient } from "../../src/client/api";
import { MemoryStorage } from "../../src/client/storage";
import { PayerWallet } from "../../src/client/wallet";
import { faucetPayAll } from "../../src/dev/faucet";
import { hexToBytes } from "../../src/crypto";
import { type Latencies, openLoop, timed } from "./bench-load";
import { api } from "./dev.mjs";
import { bcoinP2wpkhAddress, type RegtestNode } from "./regtest.mjs";

/** The header the Worker sets when SLUICE_COUNT_D1=1: D1 round trips this request made. */
export const ROUND_TRIPS_HEADER = "x-sluice-d1-round-trips";

const AMOUNT_MSAT = 10_000;
const CAPACITY_SAT = 50_000;

export interface Hub {
  url: string;
  operatorToken: string;
}

/** A timed run's latencies with the D1 round trips its requests reported (null: no header). */
export type Run = Latencies & { roundTripsPerRequest: number | null };

/** Counts the round-trip header over a run: null once any answer lacked it. */
function tripCounter() {
  let sum = 0;
  let seen = 0;
  let missing = 0;
  return {
    note(res: Response) {
      const value = res.headers.get(ROUND_TRIPS_HEADER);
      if (value === null) missing++;
      else {
        sum += Number(value);
        seen++;
      }
    },
    perRequest: () => (missing > 0 || seen === 0 ? null : sum / seen),
  };
}

interface Channel {
  wallet: PayerWallet;
  id: string;
  /** The last state the hub accepted. */
  seq: number;
  balanceMsat: bigint;
  /** States signed ahead, seq + 1, seq + 2, …: discarded after each run. */
  ready: { seq: number; balanceMsat: bigint; sighash_type: number; signature: string }[];
}

/** Opens `count` channels (one funding transaction from the faucet, one block) and a merchant. */
export async function paymentRig(hub: Hub, node: RegtestNode, faucet: Uint8Array, count: number) {
  const client = new SluiceClient(hub.url);
  const merchant = await api(hub.url, "/v1/admin/merchants", {
    method: "POST",
    token: hub.operatorToken,
    body: { name: "Bench payments" },
  });
  const key: string = merchant.body.api_key.secret;
  const offers: { wallet: PayerWallet; id: string; script: string }[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = await PayerWallet.open(new MemoryStorage());
    const offer = await wallet.openChannel(client, CAPACITY_SAT);
    offers.push({ wallet, id: offer.id, script: offer.fundingScript });
  }
  const rpc = { url: node.url, user: node.user, password: node.password };
  const funding = await faucetPayAll(
    rpc,
    faucet,
    offers.map((o) => ({ script: hexToBytes(o.script), valueSat: BigInt(CAPACITY_SAT) })),
  );
  await node.rpc("generatetoaddress", [1, bcoinP2wpkhAddress(new Uint8Array(32).fill(0xee))]);
  const channels: Channel[] = [];
  await timed(16, offers.length, async (lane, k) => {
    const i = k * 16 + lane;
    const o = offers[i]!;
    const view = await o.wallet.registerFunding(client, o.id, { txid: funding.txid, vout: i });
    if (view.status !== "open") throw new Error(`channel ${o.id} is ${view.status}, not open`);
    channels[i] = {
      wallet: o.wallet,
      id: o.id,
      seq: 0,
      balanceMsat: BigInt(CAPACITY_SAT) * 1000n,
      ready: [],
    };
    return true;
  });
  return new Rig(hub, key, channels);
}

export class Rig {
  readonly #invoices: string[] = [];
  #paid = 0;

  constructor(
    readonly hub: Hub,
    readonly key: string,
    readonly channels: Channel[],
  ) {}

  /** Creates `total` invoices from `concurrency` clients (kept for the payments): invoices/s. */
  async createInvoices(total: number, concurrency: number): Promise<Run> {
    const body = JSON.stringify({ amount_msat: AMOUNT_MSAT, description: "bench" });
    const headers = { authorization: `Bearer ${this.key}`, "content-type": "application/json" };
    const trips = tripCounter();
    const run = await timed(concurrency, total, async () => {
      const res = await fetch(`${this.hub.url}/v1/invoices`, { method: "POST", headers, body });
      trips.note(res);
      const json = (await res.json()) as { bolt11?: string };
      if (res.status !== 201 || !json.bolt11) return false;
      this.#invoices.push(json.bolt11);
      return true;
    });
    return { ...run, roundTripsPerRequest: trips.perRequest() };
  }

  /** Signs the next `count` states of channel `c` ahead (not timed). */
  async #prepare(c: Channel, count: number) {
    c.ready = [];
    let balance = c.balanceMsat;
    for (let k = 1; k <= count; k++) {
      balance -= BigInt(AMOUNT_MSAT);
      const { signature, sighashType } = await c.wallet.signState(c.id, {
        seq: c.seq + k,
        payerBalanceMsat: balance,
      });
      c.ready.push({ seq: c.seq + k, balanceMsat: balance, sighash_type: sighashType, signature });
    }
  }

  /** Sends channel `c`'s next signed state paying the next invoice; true when the hub accepted it. */
  async #send(c: Channel, trips: ReturnType<typeof tripCounter>): Promise<boolean> {
    const state = c.ready.shift();
    const invoice = this.#invoices.pop();
    if (!state || !invoice) throw new Error("the bench ran out of signed states or invoices");
    try {
      const res = await fetch(`${this.hub.url}/v1/payments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          invoice,
          channel_id: c.id,
          seq: state.seq,
          payer_balance_msat: Number(state.balanceMsat),
          sighash_type: state.sighash_type,
          signature: state.signature,
        }),
      });
      trips.note(res);
      await res.arrayBuffer();
      if (res.status !== 201) return false;
      c.seq = state.seq;
      c.balanceMsat = state.balanceMsat;
      this.#paid++;
      return true;
    } catch {
      return false; // counted as a failure (and the committed count shows it)
    }
  }

  /** Invoices still to pay. */
  get invoicesLeft() {
    return this.#invoices.length;
  }

  /** Closed loop: the first `payers` channels at once, each sending `perPayer` payments in turn. */
  async pay(payers: number, perPayer: number): Promise<Run> {
    const used = this.channels.slice(0, payers);
    for (const c of used) await this.#prepare(c, perPayer);
    const trips = tripCounter();
    const run = await timed(payers, payers * perPayer, (lane) => this.#send(used[lane]!, trips));
    return { ...run, roundTripsPerRequest: trips.perRequest() };
  }

  /**
   * Open loop: `total` payments arriving at `ratePerSecond`, each taken by the payer that has
   * waited longest (a payer pays one at a time: its next state follows its last); latency from arrival.
   */
  async payOpenLoop(ratePerSecond: number, total: number) {
    const perChannel = Math.ceil(total / this.channels.length) + 2;
    for (const c of this.channels) await this.#prepare(c, perChannel);
    const idle = [...this.channels];
    const waiting: ((c: Channel) => void)[] = [];
    const take = () =>
      new Promise<Channel>((resolve) => (idle.length ? resolve(idle.shift()!) : waiting.push(resolve)));
    const release = (c: Channel) => (waiting.length ? waiting.shift()!(c) : idle.push(c));
    const trips = tripCounter();
    const run = await openLoop(ratePerSecond, total, async () => {
      const c = await take();
      const ok = await this.#send(c, trips);
      release(c);
      return ok;
    });
    return { ...run, roundTripsPerRequest: trips.perRequest() };
  }

  /** The merchant's balance counts every accepted payment, and the ledger invariant holds. */
  async books() {
    const balance = await api(this.hub.url, "/v1/balance", { token: this.key });
    const ledger = await api(this.hub.url, "/v1/admin/ledger", { token: this.hub.operatorToken });
    return {
      committed: balance.body.payment_count as number,
      accepted: this.#paid,
      ledgerOk: ledger.body.ok as boolean,
    };
  }
}
