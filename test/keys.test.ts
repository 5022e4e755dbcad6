import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../src/crypto";
import { deriveHubKeys, deriveKey, type KeyPurpose, parseSeed } from "../src/keys/derive";
import { TEST_BINDINGS } from "./bindings";

// Computed independently of this code base: the secret with
//   (printf 'sluice/key/v1/<purpose>'; printf '\x00') | openssl dgst -sha256 -mac HMAC -macopt hexkey:<seed>
// and the public key with Node's crypto.createECDH('secp256k1').
const SEED = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const EXPECTED = {
  node: {
    secret: "e8c02bb9fb024a3289bc3f275918bd86aa585c1a4ede501ef520bb87c8085bc1",
    public: "0236cb1fff8b4e66f488773aedffc6bf9c11d0b118baf0999e5befa69e5d80f3be",
  },
  // One hub key per channel (DESIGN.md §5): purpose `channel/<channel_id>`.
  "channel/ch_01jdk3v8qz7m4x2n5p6r8s9t0w": {
    secret: "c23d4892c1079adcea156f67e62fdc8204e08fd6f604f468139d66ea77f9d621",
    public: "0354d9d433496fd2b909d25224e14c1f58190b7713910c3a1f63afa6dadae0c941",
  },
  wallet: {
    secret: "2c43bb6cd5f973ebebb7334a122c6bf8ebb465b4abca50a784e5777775be58d8",
    public: "02d0cda06223807b567b864b53d91d40ed004f038a973608980f9cf762fa7ea991",
  },
};

describe("hub key derivation (docs/keys.md)", () => {
  it.each(Object.entries(EXPECTED))(
    "derives the %s key to the independently computed vector",
    (purpose, want) => {
      const key = deriveKey(hexToBytes(SEED), purpose as KeyPurpose);
      expect(bytesToHex(key.secretKey)).toBe(want.secret);
      expect(bytesToHex(key.publicKey)).toBe(want.public);
    },
  );

  it("gives distinct keys per purpose and per channel, and the same keys every time", () => {
    const a = deriveHubKeys(parseSeed(SEED));
    const b = deriveHubKeys(parseSeed(SEED.toUpperCase()));
    const keys = [a.node, a.wallet, a.channel("ch_a"), a.channel("ch_b")];
    expect(new Set(keys.map((k) => bytesToHex(k.publicKey))).size).toBe(4);
    expect(bytesToHex(b.node.secretKey)).toBe(bytesToHex(a.node.secretKey));
    expect(bytesToHex(b.channel("ch_a").secretKey)).toBe(bytesToHex(a.channel("ch_a").secretKey));
    const id = "ch_01jdk3v8qz7m4x2n5p6r8s9t0w";
    expect(bytesToHex(a.channel(id).publicKey)).toBe(EXPECTED[`channel/${id}`].public);
  });

  it("the Worker under test runs with this seed (not a local .dev.vars)", () => {
    expect(TEST_BINDINGS.HUB_SEED).toBe(SEED);
    expect(env.HUB_SEED).toBe(SEED);
  });

  it.each([
    ["", "empty"],
    ["00", "too short"],
    [`${SEED}00`, "too long"],
    [`${SEED.slice(0, 62)}zz`, "not hex"],
  ])("refuses a malformed seed (%s: %s)", (seed) => {
    expect(() => parseSeed(seed)).toThrow(/HUB_SEED/);
  });
});
