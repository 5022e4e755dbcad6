import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../src/crypto";
import { deriveHubKeys, deriveKey, parseSeed } from "../src/keys/derive";
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
  channel: {
    secret: "2ec38d85a82894a3692d0704ad09f71b7257882dd3416618bff6527eee9ed3e4",
    public: "026bc5bceed40631dd0e896c5c174ddbb10861fcc64cc2cd34bc02b03b1acfa822",
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
      const key = deriveKey(hexToBytes(SEED), purpose as keyof typeof EXPECTED);
      expect(bytesToHex(key.secretKey)).toBe(want.secret);
      expect(bytesToHex(key.publicKey)).toBe(want.public);
    },
  );

  it("gives three distinct keys and the same keys every time", () => {
    const a = deriveHubKeys(parseSeed(SEED));
    const b = deriveHubKeys(parseSeed(SEED.toUpperCase()));
    expect(new Set([a.node, a.channel, a.wallet].map((k) => bytesToHex(k.publicKey))).size).toBe(3);
    expect(bytesToHex(b.node.secretKey)).toBe(bytesToHex(a.node.secretKey));
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
