/** Parses the Worker's Env once per isolate: network, keys, operator token, limits. */
import { parseNetwork, type Network } from "./core/network";
import { sha256, utf8ToBytes } from "./crypto";
import { deriveHubKeys, type HubKeys, parseSeed } from "./keys/derive";

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
}

export interface Config {
  readonly network: Network;
  readonly keys: HubKeys;
  /** SHA-256 of OPERATOR_TOKEN: compared in constant time, the token itself is not kept. */
  readonly operatorTokenHash: Uint8Array | null;
  readonly devMode: boolean;
  readonly publicUrl: string | null;
}

const cache = new WeakMap<object, Config>();

/** The parsed configuration; a missing or malformed secret is a deployment bug and throws. */
export function loadConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const token = env.OPERATOR_TOKEN?.trim();
  if (token !== undefined && token.length > 0 && token.length < 32) {
    throw new Error("OPERATOR_TOKEN must be at least 32 characters");
  }
  const config: Config = {
    network: parseNetwork(env.NETWORK),
    keys: deriveHubKeys(parseSeed(env.HUB_SEED)),
    operatorTokenHash: token ? sha256(utf8ToBytes(token)) : null,
    devMode: env.DEV_MODE === "true",
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, "") || null,
  };
  cache.set(env, config);
  return config;
}
