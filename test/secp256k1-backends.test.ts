import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wasmEcdsa } from "../src/chain/secp256k1-wasm";
import { compactToDer, derToCompact, nobleEcdsa, signDer, verifyDerLowS } from "../src/chain/signature";
import { bytesToHex, hexToBytes, secp, sha256 } from "../src/crypto";
import bip143 from "./vectors/bip143.json";

const BACKENDS = [nobleEcdsa, wasmEcdsa] as const;
const wasmVerify = wasmEcdsa.verify;
const N = secp.Point.CURVE().n;

/** Both backends, through the one strict wrapper: they must always agree. */
const both = (der: Uint8Array, hash: Uint8Array, pubkey: Uint8Array) => {
  const results = BACKENDS.map((ecdsa) => verifyDerLowS(der, hash, pubkey, ecdsa));
  expect(results[0], "backends disagree").toBe(results[1]);
  return results[0];
};

const six = bip143.six_of_six;
/** The six keys of the vector's 6-of-6 script code: OP_6 (0x21 ‖ key)×6 OP_6 OP_CHECKMULTISIG. */
const sixKeys = Array.from({ length: 6 }, (_, i) =>
  hexToBytes(six.script_code).slice(2 + 34 * i, 2 + 34 * i + 33),
);
const bigBytes = (n: bigint) => hexToBytes(n.toString(16).padStart(64, "0"));
const compactOf = (r: bigint, s: bigint) => new Uint8Array([...bigBytes(r), ...bigBytes(s)]);

describe("ECDSA backends: libsecp256k1 (wasm) accepts exactly what noble accepts, and signs the same bytes", () => {
  it("loads inside workerd and verifies the BIP 143 vector signatures (every sighash type)", () => {
    for (const [i, hex] of six.signed_witness.slice(1).entries()) {
      const withType = hexToBytes(hex);
      const type = withType[withType.length - 1]!;
      const der = withType.slice(0, -1);
      const hash = hexToBytes(six.sighashes[String(type) as keyof typeof six.sighashes]);
      expect(both(der, hash, sixKeys[i]!), `signature ${i}`).toBe(true);
      expect(both(der, hash, sixKeys[(i + 1) % 6]!)).toBe(false);
      expect(both(der, sha256(hash), sixKeys[i]!)).toBe(false);
    }
  });
});

describe("strictness is the same for both backends", () => {
  const key = hexToBytes("5a".repeat(32));
  const pub = secp.getPublicKey(key, true);
  const hash = sha256(new TextEncoder().encode("sluice/test/v1:strict"));
  const good = derToCompact(signDer(hash, key))!;
  const sig = secp.Signature.fromBytes(good);

  it.each([
    ["the high-S twin of a valid signature", () => compactOf(sig.r, N - sig.s)],
    ["r = 0", () => compactOf(0n, sig.s)],
    ["s = 0", () => compactOf(sig.r, 0n)],
    ["r = n", () => compactOf(N, sig.s)],
    ["s = n", () => compactOf(sig.r, N)],
    ["s = n/2 + 1 (just above the low-S bound)", () => compactOf(sig.r, (N >> 1n) + 1n)],
  ])("refuses %s", (_name, make) => {
    const compact = make();
    expect(both(compactToDer(compact), hash, pub)).toBe(false);
  });

  it("libsecp256k1 itself refuses high S and malformed input without throwing (defence in depth)", () => {
    expect(wasmVerify(good, hash, pub)).toBe(true);
    expect(wasmVerify(compactOf(sig.r, N - sig.s), hash, pub)).toBe(false);
    expect(wasmVerify(good.slice(0, 63), hash, pub)).toBe(false);
    expect(wasmVerify(good, hash.slice(1), pub)).toBe(false);
    expect(wasmVerify(good, hash, hexToBytes(`02${"ff".repeat(32)}`))).toBe(false); // not on the curve
    expect(wasmVerify(good, hash, hexToBytes(`05${bytesToHex(pub).slice(2)}`))).toBe(false);
    expect(wasmVerify(good, hash, pub.slice(0, 32))).toBe(false);
  });

  it("refuses non-strict DER before any backend runs", () => {
    const der = compactToDer(good);
    const padded = new Uint8Array([0x30, der[1]! + 1, 0x02, der[3]! + 1, 0x00, ...der.slice(4)]);
    expect(both(padded, hash, pub)).toBe(false);
    expect(both(new Uint8Array([...der, 0x01]), hash, pub)).toBe(false);
    expect(both(der, hash, pub)).toBe(true);
  });

  it("signs exactly the bytes noble signs (RFC 6979, low S), so receipts do not depend on the backend", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (seed, digest) => {
          const secret = sha256(seed);
          fc.pre(secp.utils.isValidSecretKey(secret));
          const signed = wasmEcdsa.sign(digest, secret);
          expect(bytesToHex(signed)).toBe(bytesToHex(nobleEcdsa.sign(digest, secret)));
          expect(both(compactToDer(signed), digest, secp.getPublicKey(secret, true))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("agrees with noble on random keys, messages and single-bit corruptions (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat({ max: 8 * 72 - 1 }),
        fc.constantFrom("none", "signature", "hash", "key"),
        (seed, message, bit, corrupt) => {
          const secret = sha256(seed);
          fc.pre(secp.utils.isValidSecretKey(secret));
          const pubkey = secp.getPublicKey(secret, true);
          const digest = sha256(message);
          const der = signDer(digest, secret);
          const flip = (bytes: Uint8Array) => {
            const copy = bytes.slice();
            copy[Math.floor(bit / 8) % copy.length]! ^= 1 << (bit % 8);
            return copy;
          };
          const accepted = both(
            corrupt === "signature" ? flip(der) : der,
            corrupt === "hash" ? flip(digest) : digest,
            corrupt === "key" ? flip(pubkey) : pubkey,
          );
          if (corrupt === "none") expect(accepted).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
