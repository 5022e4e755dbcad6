/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"): the
 * `webhook-signature` header is space-separated `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`
 * entries, the key being the base64 part of a `whsec_…` secret. Pure; shared by the hub's sender
 * and the SDK's receiver helper. Proven against the package's published vector in
 * test/webhook-signature.test.ts.
 */
import { base64 } from "@scure/base";
import { constantTimeEqual } from "../core/bytes";
import type { RandomBytes } from "../core/ids";
import { hmac, sha256, utf8ToBytes } from "../crypto";

export const SECRET_PREFIX = "whsec_";
/** Secret bytes: 32, inside the spec's 24–64. */
const SECRET_BYTES = 32;

/** A fresh `whsec_…` secret. */
export const mintSecret = (random: RandomBytes): string =>
  SECRET_PREFIX + base64.encode(random(SECRET_BYTES));

/** The HMAC key of a secret, with or without its `whsec_` prefix; throws on one that is not base64. */
function secretKey(secret: string): Uint8Array {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = base64.decode(encoded);
  if (key.length === 0) throw new Error("empty webhook secret");
  return key;
}

/** The raw signature bytes of one message. */
const mac = (secret: string, id: string, timestampSeconds: number, body: string): Uint8Array =>
  hmac(sha256, secretKey(secret), utf8ToBytes(`${id}.${timestampSeconds}.${body}`));

/** One `v1,<base64>` signature. */
export const sign = (secret: string, id: string, timestampSeconds: number, body: string): string =>
  `v1,${base64.encode(mac(secret, id, timestampSeconds, body))}`;

/** The `webhook-signature` header: one signature per secret (several during a rotation overlap). */
export const signatureHeader = (
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string => secrets.map((s) => sign(s, id, timestampSeconds, body)).join(" ");

/** True when any `v1` signature in the header is this secret's signature of the message. */
export function headerMatches(
  secret: string,
  header: string,
  id: string,
  timestampSeconds: number,
  body: string,
): boolean {
  const expected = mac(secret, id, timestampSeconds, body);
  for (const entry of header.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    let presented: Uint8Array;
    try {
      presented = base64.decode(value);
    } catch {
      continue;
    }
    if (constantTimeEqual(presented, expected)) return true;
  }
  return false;
}
