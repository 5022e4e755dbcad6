/**
 * Hub keys from HUB_SEED (docs/keys.md). For each purpose, the secret key is
 *   HMAC-SHA256(key = seed, msg = UTF-8("sluice/key/v1/<purpose>") ‖ counter_byte)
 * for the first counter (from 0) that yields a valid secp256k1 scalar (1 ≤ k < n).
 * A counter past 0 happens with probability ≈ 2^-128; it exists so the rule is total.
 * Purposes: `node`, `wallet`, and `channel/<channel_id>` — one hub key per channel (DESIGN.md §5).
 */
import { concatBytes, hexToBytes, hmac, secp, sha256, utf8ToBytes } from "../crypto";

/** A key purpose: the node key, the wallet key, or the hub's key in one channel's script. */
export type KeyPurpose = "node" | "wallet" | `channel/${string}`;

export interface KeyPair {
  readonly secretKey: Uint8Array;
  /** 33-byte compressed public key. */
  readonly publicKey: Uint8Array;
}

export interface HubKeys {
  readonly node: KeyPair;
  readonly wallet: KeyPair;
  /** The hub's key `H` in channel `channelId`'s script (purpose `channel/<channel_id>`). */
  channel(channelId: string): KeyPair;
}

const SEED_HEX = /^[0-9a-f]{64}$/;

/** Parses HUB_SEED: exactly 32 bytes of lower- or upper-case hex. */
export function parseSeed(seedHex: string | undefined): Uint8Array {
  const normalized = (seedHex ?? "").trim().toLowerCase();
  if (!SEED_HEX.test(normalized)) throw new Error("HUB_SEED must be 32 bytes of hex (64 characters)");
  return hexToBytes(normalized);
}

/** Derives one purpose's key pair from the seed. */
export function deriveKey(seed: Uint8Array, purpose: KeyPurpose): KeyPair {
  const label = utf8ToBytes(`sluice/key/v1/${purpose}`);
  for (let counter = 0; counter < 256; counter++) {
    const candidate = hmac(sha256, seed, concatBytes(label, Uint8Array.of(counter)));
    if (secp.utils.isValidSecretKey(candidate)) {
      return { secretKey: candidate, publicKey: secp.getPublicKey(candidate, true) };
    }
  }
  throw new Error("no valid key in 256 counters: HMAC-SHA256 is broken");
}

/** The hub's keys: node and wallet now, each channel's key when asked for. */
export function deriveHubKeys(seed: Uint8Array): HubKeys {
  const own = Uint8Array.from(seed);
  return {
    node: deriveKey(own, "node"),
    wallet: deriveKey(own, "wallet"),
    channel: (channelId) => deriveKey(own, `channel/${channelId}`),
  };
}
