/** Parses the Worker's Env once per isolate: network, keys, operator token, chain, channel limits. */
import type { RpcConfig } from "./chain/backends/bitcoind-rpc";
import { isCurrency } from "./core/currency";
import { LIMITS } from "./core/limits";
import { parseNetwork, type Network } from "./core/network";
import { hexToBytes, sha256, utf8ToBytes } from "./crypto";
import { deriveHubKeys, type HubKeys, parseSeed } from "./keys/derive";
import { RATE_SOURCE_NAMES, type RateSourceName } from "./rates/rate";

/** Bindings and vars as wrangler provides them (wrangler.toml, .dev.vars, secrets). */
export interface Env {
  DB: D1Database;
  NETWORK?: string;
  HUB_SEED?: string;
  OPERATOR_TOKEN?: string;
  /** "true" only for local runs: allows plain-http localhost URLs (webhooks, checkout). */
  DEV_MODE?: string;
  /** Public origin of this deployment, for links such as checkout_url. */
  PUBLIC_URL?: string;
  /** The domain of Lightning Addresses (`name@domain`); LNURL URLs are https on it. Default: PUBLIC_URL's host. */
  LIGHTNING_ADDRESS_DOMAIN?: string;
  /** bitcoind-compatible JSON-RPC endpoint and credentials (secrets in production). */
  BITCOIN_RPC_URL?: string;
  BITCOIN_RPC_USER?: string;
  BITCOIN_RPC_PASSWORD?: string;
  MIN_CONFIRMATIONS?: string;
  CHANNEL_MIN_CAPACITY_SAT?: string;
  CHANNEL_MAX_CAPACITY_SAT?: string;
  CHANNEL_LIFETIME_BLOCKS?: string;
  CHANNEL_CLOSE_MARGIN_BLOCKS?: string;
  CHANNEL_OFFER_TTL_SECONDS?: string;
  FALLBACK_FEE_RATE_SAT_PER_VB?: string;
  MERCHANT_FEE_BASE_MSAT?: string;
  MERCHANT_FEE_PPM?: string;
  SETTLEMENT_CONFIRMATIONS?: string;
  SETTLEMENT_BUMP_AFTER_BLOCKS?: string;
  SETTLEMENT_INTERVAL_SECONDS?: string;
  SETTLEMENT_FEE_TARGET_BLOCKS?: string;
  MAX_FEE_RATE_SAT_PER_VB?: string;
  PAYOUT_THRESHOLD_MSAT?: string;
  /** Regtest only: a shorter least invoice expiry than the 60 s production keeps (test stacks). */
  MIN_INVOICE_EXPIRY_SECONDS?: string;
  /** Regtest dev runs only (`npm start`): the dev faucet's key, for the wallet's "fund from the faucet". */
  SLUICE_DEV_FAUCET_SECRET?: string;
  /** Exchange rates (docs/fiat.md): sources, currencies, staleness bound, provider base URLs, fixed prices. */
  RATE_SOURCES?: string;
  RATE_CURRENCIES?: string;
  RATE_MAX_AGE_SECONDS?: string;
  RATE_KRAKEN_URL?: string;
  RATE_COINBASE_URL?: string;
  RATE_BITSTAMP_URL?: string;
  RATE_FIXED_PRICES?: string;
}

/** What a merchant pays per payment unless overridden per merchant. */
export interface FeePolicy {
  readonly baseMsat: bigint;
  readonly ppm: bigint;
}

export interface ChannelPolicy {
  readonly minCapacitySat: bigint;
  readonly maxCapacitySat: bigint;
  /** refund_locktime = tip + lifetimeBlocks when the channel is offered. */
  readonly lifetimeBlocks: number;
  /** No payments once tip ≥ refund_locktime − closeMarginBlocks; settlement closes before T. */
  readonly closeMarginBlocks: number;
  /** An offer never funded expires after this long. */
  readonly offerTtlSeconds: number;
}

/** How the cron settles (DESIGN.md §8). */
export interface SettlementPolicy {
  /** Confirmations after which a settlement transaction is final and booked. */
  readonly confirmations: number;
  /** A transaction unconfirmed this many blocks after it was sent gets a higher fee (RBF). */
  readonly bumpAfterBlocks: number;
  /** Least time between two settlements (the operator's "run now" ignores it). */
  readonly intervalSeconds: number;
  /** Confirmation target asked of the node's fee estimator. */
  readonly feeTargetBlocks: number;
  /** The hub never pays more than this per vbyte, bumps included. */
  readonly maxFeeRateSatPerVb: number;
  /** A merchant's balance is paid out once it reaches this, unless the merchant set its own. */
  readonly defaultPayoutThresholdMsat: bigint;
}

/** Where exchange rates come from and how fresh they must be (docs/fiat.md). */
export interface RatePolicy {
  readonly sources: readonly RateSourceName[];
  /** The currencies the hub prices in (ISO 4217 codes). */
  readonly currencies: readonly string[];
  /** A quote older than this is stale: fiat prices need at least one fresh quote. */
  readonly maxAgeSeconds: number;
  readonly baseUrls: { readonly kraken: string; readonly coinbase: string; readonly bitstamp: string };
  /** The fixed source's prices: minor units per bitcoin. */
  readonly fixedPrices: ReadonlyMap<string, bigint>;
}

export interface Config {
  readonly network: Network;
  readonly keys: HubKeys;
  /** SHA-256 of OPERATOR_TOKEN: compared in constant time, the token itself is not kept. */
  readonly operatorTokenHash: Uint8Array | null;
  readonly devMode: boolean;
  readonly publicUrl: string | null;
  /** Host of every Lightning Address and of the LNURL-pay URLs (https); null: PUBLIC_URL's, or the request's. */
  readonly lightningAddressDomain: string | null;
  /** null when no chain backend is configured: chain-dependent routes answer 503 chain_unavailable. */
  readonly rpc: RpcConfig | null;
  readonly minConfirmations: number;
  /** The least expiry_seconds an invoice may ask for: LIMITS.minExpirySeconds except on a test stack. */
  readonly minInvoiceExpirySeconds: number;
  readonly channel: ChannelPolicy;
  readonly fees: FeePolicy;
  readonly settlement: SettlementPolicy;
  /** The regtest dev faucet's key: only with DEV_MODE on regtest, else null (no faucet route). */
  readonly devFaucetSecret: Uint8Array | null;
  readonly rates: RatePolicy;
}

const cache = new WeakMap<object, Config>();

/** The dev faucet's secret key, when this is a regtest dev run that has one. */
function devFaucetSecret(env: Env): Uint8Array | null {
  const hex = env.SLUICE_DEV_FAUCET_SECRET?.trim();
  if (!hex || env.DEV_MODE !== "true" || parseNetwork(env.NETWORK) !== "regtest") return null;
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error("SLUICE_DEV_FAUCET_SECRET must be 32 bytes of hex");
  return hexToBytes(hex);
}

function int(value: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new Error(`${name} must be an integer in ${min}…${max}`);
  return n;
}

/** A DNS host name (lower case, at least two labels), or null when unset. */
function domain(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(value))
    throw new Error("LIGHTNING_ADDRESS_DOMAIN must be a lower-case host name such as pay.example.com");
  return value;
}

/** The parsed configuration; a missing or malformed setting is a deployment bug and throws. */
export function loadConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const token = env.OPERATOR_TOKEN?.trim();
  if (token !== undefined && token.length > 0 && token.length < 32) {
    throw new Error("OPERATOR_TOKEN must be at least 32 characters");
  }
  const minCapacitySat = int(
    env.CHANNEL_MIN_CAPACITY_SAT,
    20_000,
    "CHANNEL_MIN_CAPACITY_SAT",
    1_000,
    2 ** 40,
  );
  const maxCapacitySat = int(
    env.CHANNEL_MAX_CAPACITY_SAT,
    16_777_215,
    "CHANNEL_MAX_CAPACITY_SAT",
    minCapacitySat,
    2 ** 43,
  );
  const lifetimeBlocks = int(env.CHANNEL_LIFETIME_BLOCKS, 4_032, "CHANNEL_LIFETIME_BLOCKS", 12, 52_560);
  const network = parseNetwork(env.NETWORK);
  const config: Config = {
    network,
    keys: deriveHubKeys(parseSeed(env.HUB_SEED)),
    operatorTokenHash: token ? sha256(utf8ToBytes(token)) : null,
    devMode: env.DEV_MODE === "true",
    devFaucetSecret: devFaucetSecret(env),
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, "") || null,
    lightningAddressDomain: domain(env.LIGHTNING_ADDRESS_DOMAIN),
    rpc: env.BITCOIN_RPC_URL
      ? {
          url: env.BITCOIN_RPC_URL,
          user: env.BITCOIN_RPC_USER ?? "",
          password: env.BITCOIN_RPC_PASSWORD ?? "",
          timeoutMs: 10_000,
          fallbackFeeRateSatPerVb: int(
            env.FALLBACK_FEE_RATE_SAT_PER_VB,
            2,
            "FALLBACK_FEE_RATE_SAT_PER_VB",
            1,
            10_000,
          ),
        }
      : null,
    minConfirmations: int(env.MIN_CONFIRMATIONS, 3, "MIN_CONFIRMATIONS", 1, 100),
    minInvoiceExpirySeconds: minInvoiceExpiry(env, network),
    channel: {
      minCapacitySat: BigInt(minCapacitySat),
      maxCapacitySat: BigInt(maxCapacitySat),
      lifetimeBlocks,
      closeMarginBlocks: int(
        env.CHANNEL_CLOSE_MARGIN_BLOCKS,
        144,
        "CHANNEL_CLOSE_MARGIN_BLOCKS",
        1,
        lifetimeBlocks - 1,
      ),
      offerTtlSeconds: int(
        env.CHANNEL_OFFER_TTL_SECONDS,
        86_400,
        "CHANNEL_OFFER_TTL_SECONDS",
        60,
        30 * 86_400,
      ),
    },
    fees: {
      baseMsat: BigInt(int(env.MERCHANT_FEE_BASE_MSAT, 0, "MERCHANT_FEE_BASE_MSAT", 0, 1_000_000_000)),
      ppm: BigInt(int(env.MERCHANT_FEE_PPM, 1_000, "MERCHANT_FEE_PPM", 0, 1_000_000)),
    },
    settlement: {
      confirmations: int(env.SETTLEMENT_CONFIRMATIONS, 6, "SETTLEMENT_CONFIRMATIONS", 1, 100),
      bumpAfterBlocks: int(env.SETTLEMENT_BUMP_AFTER_BLOCKS, 3, "SETTLEMENT_BUMP_AFTER_BLOCKS", 1, 1_000),
      intervalSeconds: int(
        env.SETTLEMENT_INTERVAL_SECONDS,
        600,
        "SETTLEMENT_INTERVAL_SECONDS",
        0,
        7 * 86_400,
      ),
      feeTargetBlocks: int(env.SETTLEMENT_FEE_TARGET_BLOCKS, 6, "SETTLEMENT_FEE_TARGET_BLOCKS", 1, 1_008),
      maxFeeRateSatPerVb: int(env.MAX_FEE_RATE_SAT_PER_VB, 500, "MAX_FEE_RATE_SAT_PER_VB", 1, 100_000),
      defaultPayoutThresholdMsat: BigInt(
        int(env.PAYOUT_THRESHOLD_MSAT, 100_000_000, "PAYOUT_THRESHOLD_MSAT", 1, Number.MAX_SAFE_INTEGER),
      ),
    },
    rates: ratePolicy(env, network),
  };
  cache.set(env, config);
  return config;
}

/** LIMITS.minExpirySeconds, unless a regtest hub (a test stack) asks for less; any other network refuses. */
function minInvoiceExpiry(env: Env, network: Network): number {
  const value = env.MIN_INVOICE_EXPIRY_SECONDS;
  if (value === undefined || value === "") return LIMITS.minExpirySeconds;
  if (network !== "regtest") throw new Error("MIN_INVOICE_EXPIRY_SECONDS is for regtest test stacks only");
  return int(
    value,
    LIMITS.minExpirySeconds,
    "MIN_INVOICE_EXPIRY_SECONDS",
    LIMITS.minRegtestExpirySeconds,
    LIMITS.minExpirySeconds,
  );
}

/** Development prices for the fixed source (regtest has no market): round numbers, one per default currency. */
const DEV_FIXED_PRICES =
  "USD:10000000,EUR:9000000,GBP:7500000,CHF:8000000,JPY:1500000000,CAD:13500000,AUD:15000000";

function codes(value: string, name: string): string[] {
  const list = value
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  for (const code of list)
    if (!isCurrency(code)) throw new Error(`${name}: '${code}' is not an ISO 4217 currency`);
  return [...new Set(list)];
}

/** Rates: the fixed source on regtest unless told otherwise, the public providers elsewhere. */
function ratePolicy(env: Env, network: Network): RatePolicy {
  const sources = (env.RATE_SOURCES ?? (network === "regtest" ? "fixed" : "kraken,coinbase,bitstamp"))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of sources)
    if (!RATE_SOURCE_NAMES.includes(s as RateSourceName))
      throw new Error(`RATE_SOURCES: unknown source '${s}' (${RATE_SOURCE_NAMES.join(", ")})`);
  const currencies = codes(env.RATE_CURRENCIES ?? "USD,EUR,GBP,CHF,JPY,CAD,AUD", "RATE_CURRENCIES");
  if (currencies.length > LIMITS.maxRateCurrencies)
    throw new Error(`RATE_CURRENCIES: at most ${LIMITS.maxRateCurrencies} currencies`);
  const fixedPrices = new Map<string, bigint>();
  for (const pair of (env.RATE_FIXED_PRICES ?? DEV_FIXED_PRICES).split(",").filter((p) => p.trim())) {
    const m = /^\s*([A-Z]{3}):(\d{1,15})\s*$/.exec(pair);
    if (!m || !isCurrency(m[1]!) || BigInt(m[2]!) <= 0n)
      throw new Error(`RATE_FIXED_PRICES: '${pair}' is not CUR:<minor units per bitcoin>`);
    fixedPrices.set(m[1]!, BigInt(m[2]!));
  }
  return {
    sources: [...new Set(sources)] as RateSourceName[],
    currencies,
    maxAgeSeconds: int(env.RATE_MAX_AGE_SECONDS, 300, "RATE_MAX_AGE_SECONDS", 30, 86_400),
    baseUrls: {
      kraken: env.RATE_KRAKEN_URL ?? "https://api.kraken.com",
      coinbase: env.RATE_COINBASE_URL ?? "https://api.coinbase.com",
      bitstamp: env.RATE_BITSTAMP_URL ?? "https://www.bitstamp.net",
    },
    fixedPrices,
  };
}
