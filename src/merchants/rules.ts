/** Pure rules for API keys: format, hashing, scope checks. */
import { secondsOf } from "../core/clock";
import { base64urlnopad } from "@scure/base";
import { domainError, type DomainError } from "../core/errors";
import { type RandomBytes, newId } from "../core/ids";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { scriptFromAddress } from "../chain/script";
import type { Network } from "../core/network";
import { bytesToHex, sha256, utf8ToBytes } from "../crypto";
import type { ApiKey, Scope } from "./merchant";

const KEY_PATTERN = /^sk_[A-Za-z0-9_-]{43}$/;
const PREFIX_CHARS = 8;

/** A freshly minted key: the secret (shown once) and the row that stores only its hash. */
export interface MintedKey {
  readonly secret: string;
  readonly row: ApiKey;
}

/** SHA-256 of a whole key, hex: what the database stores. */
export const hashApiKey = (secret: string): string => bytesToHex(sha256(utf8ToBytes(secret)));

/** The lookup prefix of a well-formed key, or null for anything that is not one. */
export function apiKeyPrefix(secret: string): string | null {
  return KEY_PATTERN.test(secret) ? secret.slice(3, 3 + PREFIX_CHARS) : null;
}

/** Mints a key with 256 bits of randomness. */
export function mintApiKey(
  merchantId: string,
  scopes: readonly Scope[],
  label: string | null,
  nowMs: number,
  random: RandomBytes,
): MintedKey {
  const secret = `sk_${base64urlnopad.encode(random(32))}`;
  return {
    secret,
    row: {
      id: newId("apiKey", nowMs, random),
      merchantId,
      prefix: secret.slice(3, 3 + PREFIX_CHARS),
      keyHash: hashApiKey(secret),
      scopes: [...new Set(scopes)],
      label,
      createdAt: secondsOf(nowMs),
      revokedAt: null,
    },
  };
}

/** A `:write` scope grants the matching `:read`. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  if (granted.includes(needed)) return true;
  return needed.endsWith(":read") && granted.includes(needed.replace(/:read$/, ":write") as Scope);
}

/** Whether a merchant may hold one more active key. */
export function canMintKey(activeKeys: number): Result<true, DomainError> {
  return activeKeys < LIMITS.maxApiKeysPerMerchant
    ? ok(true)
    : err(
        domainError(
          "invalid_parameter",
          `a merchant can hold at most ${LIMITS.maxApiKeysPerMerchant} active API keys; revoke one first`,
        ),
      );
}

/** The output script (hex) of a payout address for the network, or undefined when the hub cannot pay it. */
export function payoutScript(address: string, network: Network): string | undefined {
  const script = scriptFromAddress(address, network);
  return script ? bytesToHex(script) : undefined;
}
