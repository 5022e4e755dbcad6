/**
 * A WebLN provider (webln.guide) over a Sluice payer wallet, so any WebLN-aware checkout can pay
 * from a Sluice channel — and nothing is spent without asking (issue #11 item 4):
 *  - `enable()` asks once per origin (`asks.enable`), and the answer is remembered: allowed
 *    (optionally with a spending limit) or refused; a refused origin is not asked again until the
 *    user forgets it (`OriginPermissions.forget`), so a page cannot nag. Only an explicit `true` or
 *    `{limitMsat}` allows: anything else the callback returns (undefined, "yes", 1, {}) refuses;
 *  - every payment asks `asks.confirm` with the decoded invoice; there is no default yes;
 *  - an origin with a limit can never spend past it: a payment that would is refused unasked.
 *
 *   // In the wallet's own page, for a request that came by postMessage from another origin:
 *   const webln = createWebLNProvider(wallet, client, {
 *     origin: event.origin,                                    // the browser's, never one the message claims
 *     enable: async (origin) => ({ limitMsat: 50_000_000n }),   // or true, or false
 *     confirm: async ({ invoice, amountMsat }) => window.confirm(`Pay ${amountMsat / 1000n} sat?`),
 *   });
 */
import type { DecodedInvoice } from "../lightning/bolt11";
import { type SluiceClient, SluiceApiError } from "./api";
import { MemoryStorage, type WalletStorage } from "./storage";
import type { PayerWallet } from "./wallet";

export interface WebLNProvider {
  enable(): Promise<void>;
  isEnabled(): Promise<boolean>;
  getInfo(): Promise<{ node: { alias: string; pubkey: string }; methods: string[] }>;
  sendPayment(paymentRequest: string): Promise<{ preimage: string }>;
}

/** What an origin was allowed, as remembered. */
export interface OriginGrant {
  readonly origin: string;
  readonly allowed: boolean;
  /** Most this origin may spend in total, msat; null for no limit. */
  readonly limitMsat: bigint | null;
  /** What it spent so far (an attempt whose outcome is unknown counts), msat. */
  readonly spentMsat: bigint;
  /** Unix seconds of the decision. */
  readonly decidedAt: number;
}

/** The answer to an enable request: refuse, allow, or allow up to a limit (msat). */
export type EnableDecision = boolean | { readonly limitMsat: bigint | null };

/**
 * What an enable callback's answer grants. Allowing takes an explicit `true`, or an object whose
 * `limitMsat` is a non-negative bigint or null; anything else — undefined from a callback that
 * forgot to return, a truthy "yes" or 1, `{}`, a negative or non-bigint limit — refuses: a wallet
 * is never opened to a page by accident.
 */
export function grantOf(decision: unknown): { allowed: boolean; limitMsat: bigint | null } {
  if (decision === true) return { allowed: true, limitMsat: null };
  if (typeof decision === "object" && decision !== null && "limitMsat" in decision) {
    const { limitMsat } = decision as { limitMsat: unknown };
    if (limitMsat === null || (typeof limitMsat === "bigint" && limitMsat >= 0n))
      return { allowed: true, limitMsat };
  }
  return { allowed: false, limitMsat: null };
}

/** One payment to confirm: everything a dialog needs to show. */
export interface PaymentAsk {
  readonly origin: string;
  readonly paymentRequest: string;
  /** The invoice, decoded and checked (payable to this hub, on its network, not expired). */
  readonly invoice: DecodedInvoice;
  readonly amountMsat: bigint;
  readonly description: string | null;
  /** The channel it would be paid from. */
  readonly channelId: string;
  /** This origin's spending so far and its limit (null: none), msat. */
  readonly spentMsat: bigint;
  readonly limitMsat: bigint | null;
}

export interface WebLNOptions {
  /** The origin asking: `location.origin` in a page, a postMessage event's `origin` in a wallet. */
  readonly origin: string;
  /** Asked when an origin without a remembered decision calls enable(); only `true` or `{limitMsat}` allows. */
  readonly enable: (origin: string) => Promise<EnableDecision>;
  /** Asked before every payment; true pays. Required: there is no default yes. */
  readonly confirm: (ask: PaymentAsk) => Promise<boolean>;
  /** Where decisions and spending are remembered (share one per wallet; default: in memory). */
  readonly permissions?: OriginPermissions;
  /** For tests: the clock (Unix seconds). */
  readonly nowSeconds?: () => number;
}

const grantKey = (origin: string) => `webln:origin:${origin}`;
const ORIGINS = "webln:origins";

interface StoredGrant {
  allowed: boolean;
  limitMsat: string | null;
  spentMsat: string;
  decidedAt: number;
}

/**
 * Per-origin WebLN decisions and spending, in a WalletStorage. Changes run one at a time (in this
 * instance), so two payments from one origin can never both pass its limit.
 */
export class OriginPermissions {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly storage: WalletStorage = new MemoryStorage()) {}

  /** Runs `work` after every earlier change in this instance finished. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The remembered decision for an origin, or null when it was never asked (or forgotten). */
  async get(origin: string): Promise<OriginGrant | null> {
    const raw = await this.storage.get(grantKey(origin));
    if (!raw) return null;
    const g = JSON.parse(raw) as StoredGrant;
    return {
      origin,
      allowed: g.allowed,
      limitMsat: g.limitMsat === null ? null : BigInt(g.limitMsat),
      spentMsat: BigInt(g.spentMsat),
      decidedAt: g.decidedAt,
    };
  }

  /** Every remembered origin, in the order first decided. */
  async list(): Promise<OriginGrant[]> {
    const origins = JSON.parse((await this.storage.get(ORIGINS)) ?? "[]") as string[];
    const grants = await Promise.all(origins.map((o) => this.get(o)));
    return grants.filter((g): g is OriginGrant => g !== null);
  }

  private async put(grant: OriginGrant): Promise<void> {
    const origins = JSON.parse((await this.storage.get(ORIGINS)) ?? "[]") as string[];
    if (!origins.includes(grant.origin))
      await this.storage.set(ORIGINS, JSON.stringify([...origins, grant.origin]));
    const stored: StoredGrant = {
      allowed: grant.allowed,
      limitMsat: grant.limitMsat === null ? null : grant.limitMsat.toString(),
      spentMsat: grant.spentMsat.toString(),
      decidedAt: grant.decidedAt,
    };
    await this.storage.set(grantKey(grant.origin), JSON.stringify(stored));
  }

  /** Records a decision for an origin (spending so far is kept); see `grantOf` for what allows. */
  decide(origin: string, decision: EnableDecision, nowSeconds: number): Promise<OriginGrant> {
    return this.exclusive(async () => {
      const previous = await this.get(origin);
      const grant: OriginGrant = {
        origin,
        ...grantOf(decision),
        spentMsat: previous?.spentMsat ?? 0n,
        decidedAt: nowSeconds,
      };
      await this.put(grant);
      return grant;
    });
  }

  /** Sets or lifts (null) an allowed origin's limit. */
  setLimit(origin: string, limitMsat: bigint | null): Promise<OriginGrant> {
    return this.exclusive(async () => {
      const grant = await this.get(origin);
      if (!grant) throw new Error(`${origin} has not been allowed`);
      const next = { ...grant, limitMsat: checkedLimit(limitMsat) };
      await this.put(next);
      return next;
    });
  }

  /** Forgets an origin: its next enable() asks again, from zero spent. */
  forget(origin: string): Promise<void> {
    return this.exclusive(async () => {
      const origins = JSON.parse((await this.storage.get(ORIGINS)) ?? "[]") as string[];
      await this.storage.set(ORIGINS, JSON.stringify(origins.filter((o) => o !== origin)));
      await this.storage.set(grantKey(origin), "");
    });
  }

  /** Adds `deltaMsat` (negative to give back) to an origin's spending; callers hold `exclusive`. */
  async addSpent(origin: string, deltaMsat: bigint): Promise<void> {
    const grant = await this.get(origin);
    if (grant) await this.put({ ...grant, spentMsat: grant.spentMsat + deltaMsat });
  }
}

function checkedLimit(limitMsat: bigint | null): bigint | null {
  if (limitMsat !== null && (typeof limitMsat !== "bigint" || limitMsat < 0n))
    throw new RangeError("a spending limit is a non-negative bigint of msat, or null");
  return limitMsat;
}

/** Wraps a wallet as the WebLN provider of one origin; see the file comment for what it asks. */
export function createWebLNProvider(
  wallet: PayerWallet,
  client: SluiceClient,
  options: WebLNOptions,
): WebLNProvider {
  if (typeof options?.confirm !== "function" || typeof options.enable !== "function")
    throw new TypeError("createWebLNProvider needs options.enable and options.confirm: nothing pays unasked");
  if (!options.origin) throw new TypeError("createWebLNProvider needs the asking origin");
  const { origin } = options;
  const permissions = options.permissions ?? new OriginPermissions();
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  let asking: Promise<OriginGrant> | null = null;

  /** The origin's grant if it is (still) allowed; the UI may revoke it at any time. */
  const allowed = async (): Promise<OriginGrant> => {
    const grant = await permissions.get(origin);
    if (!grant) throw new Error("call enable() first");
    if (!grant.allowed) throw new Error(`${origin} is not allowed to use this wallet`);
    return grant;
  };

  return {
    async enable() {
      let grant = await permissions.get(origin);
      if (!grant) {
        // One question per origin, however many times the page calls enable() meanwhile.
        asking ??= options
          .enable(origin)
          .then((decision) => permissions.decide(origin, decision, now()))
          .finally(() => {
            asking = null;
          });
        grant = await asking;
      }
      if (!grant.allowed) throw new Error(`${origin} is not allowed to use this wallet`);
    },
    async isEnabled() {
      return (await permissions.get(origin))?.allowed === true;
    },
    async getInfo() {
      await allowed();
      const node = await client.node();
      return { node: { alias: "Sluice", pubkey: node.node_pubkey }, methods: ["getInfo", "sendPayment"] };
    },
    async sendPayment(paymentRequest) {
      await allowed();
      // Decoded and checked before anyone is asked: a dialog only ever shows a payable invoice.
      const prepared = await wallet.preparePayment(client, paymentRequest, { nowSeconds: now() });
      return permissions.exclusive(async () => {
        const grant = await allowed();
        const { amountMsat } = prepared;
        if (grant.limitMsat !== null && grant.spentMsat + amountMsat > grant.limitMsat) {
          throw new Error(
            `${origin} may spend ${grant.limitMsat - grant.spentMsat} msat more; this invoice asks ${amountMsat}`,
          );
        }
        const ask: PaymentAsk = {
          origin,
          paymentRequest,
          invoice: prepared.invoice,
          amountMsat,
          description: prepared.invoice.description,
          channelId: prepared.channelId,
          spentMsat: grant.spentMsat,
          limitMsat: grant.limitMsat,
        };
        if ((await options.confirm(ask)) !== true) throw new Error("payment rejected by the user");
        // Counted before it is sent: if the outcome is unknown (a lost response), it stays counted.
        await permissions.addSpent(origin, amountMsat);
        try {
          const result = await wallet.pay(client, paymentRequest, {
            channelId: prepared.channelId,
            nowSeconds: now(),
          });
          return { preimage: result.preimage };
        } catch (e) {
          // The hub refused it: nothing was paid, so it does not count.
          if (e instanceof SluiceApiError) await permissions.addSpent(origin, -amountMsat);
          throw e;
        }
      });
    },
  };
}
