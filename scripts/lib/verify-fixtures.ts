/** The signatures the verify benchmark checks, the same in Node and in workerd (64 hashes, one key). */
import { signDer } from "../../src/chain/signature";
import { secp, sha256 } from "../../src/crypto";

/** A key, 64 message hashes and the key's low-S DER signature of each. */
export function verifyFixtures() {
  const secret = sha256(new TextEncoder().encode("sluice bench key"));
  const pubkey = secp.getPublicKey(secret, true);
  const hashes = Array.from({ length: 64 }, (_, i) => sha256(new Uint8Array([i])));
  const signatures = hashes.map((h) => signDer(h, secret));
  return { pubkey, hashes, signatures };
}
