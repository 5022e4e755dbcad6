import { bech32 } from "@scure/base";
import bolt11 from "bolt11";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../src/core/errors";
import { hexToBytes, secp, sha256 } from "../src/crypto";
import { decodeInvoice, signInvoice, signPayload } from "../src/lightning/bolt11";
import vectors from "./vectors/bolt11.json";

// Source: BOLT #11 examples, copied from ../shared/vectors/bolt11.json (see its "source" field).
const NETWORK_NAMES: Record<string, string> = {
  bc: "mainnet",
  tb: "testnet",
  bcrt: "regtest",
  tbs: "signet",
};

const EXPECTED_CODES: Record<string, ErrorCode> = {
  "bad bech32 checksum": "bolt11_invalid_checksum",
  "no separator": "bolt11_missing_separator",
  "mixed case": "bolt11_mixed_case",
  "signature not recoverable": "bolt11_invalid_signature",
  "string too short": "bolt11_too_short",
  "unknown required feature 100": "bolt11_unknown_required_feature",
};

describe("BOLT #11 spec vectors", () => {
  it.each(vectors.valid.map((v) => [v.name, v] as const))("decodes valid example: %s", (_name, vector) => {
    const result = decodeInvoice(vector.invoice);
    if (!result.ok) throw new Error(`rejected: ${result.error.code} ${result.error.message}`);
    const d = result.value;
    expect(d.payee_pubkey).toBe(vectors.payee_pubkey);
    expect(d.network).toBe(NETWORK_NAMES[vector.network]);
    expect(d.amount_msat).toBe(vector.amount_msat);
    expect(d.timestamp).toBe(vector.timestamp);
    if ("payment_hash" in vector) expect(d.payment_hash).toBe(vector.payment_hash);
    if ("description" in vector) expect(d.description).toBe(vector.description);
    if ("description_hash" in vector) expect(d.description_hash).toBe(vector.description_hash);
    if ("expiry" in vector) expect(d.expiry_seconds).toBe(vector.expiry);
    if ("payment_secret" in vector) expect(d.payment_secret).toBe(vector.payment_secret);
    if ("fallback_address" in vector) expect(d.fallback_addresses).toContain(vector.fallback_address);
  });

  it.each(vectors.invalid.map((v) => [v.name, v] as const))("rejects invalid example: %s", (name, vector) => {
    const result = decodeInvoice(vector.invoice);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(EXPECTED_CODES[name]);
  });

  it("names an expected code for every invalid vector", () => {
    expect(Object.keys(EXPECTED_CODES).sort()).toEqual(vectors.invalid.map((v) => v.name).sort());
  });

  it.each(vectors.valid.map((v) => [v.name, v] as const))(
    "re-signing the data part with the spec key reproduces the example byte for byte: %s",
    (_name, vector) => {
      const { prefix, words } = bech32.decode(vector.invoice.toLowerCase() as `${string}1${string}`, false);
      const resigned = signPayload(prefix, Array.from(words).slice(0, -104), hexToBytes(vectors.private_key));
      expect(resigned).toBe(vector.invoice.toLowerCase());
    },
  );
});

describe("Sluice invoices", () => {
  const nodeKey = hexToBytes(vectors.private_key);
  const base = {
    network: "regtest" as const,
    amountMsat: 123_456_789n,
    timestampSeconds: 1_760_000_000,
    expirySeconds: 900,
    paymentHash: sha256(new Uint8Array([1])),
    paymentSecret: new Uint8Array(32).fill(7),
    description: "espresso ☕",
    descriptionHash: null,
  };

  it("signs with the node key and decodes back to every field, payee included", () => {
    const invoice = signInvoice(base, nodeKey);
    expect(invoice.startsWith("lnbcrt1234567890p1")).toBe(true);
    const d = decodeInvoice(invoice);
    if (!d.ok) throw new Error(d.error.message);
    expect(d.value).toMatchObject({
      network: "regtest",
      amount_msat: 123_456_789,
      timestamp: 1_760_000_000,
      expiry_seconds: 900,
      description: "espresso ☕",
      payment_secret: "07".repeat(32),
      payee_pubkey: secp.etc.bytesToHex(secp.getPublicKey(nodeKey, true)),
    });
    expect(d.value.features).toEqual([8, 14]);
  });

  it("is read the same way by the independent bolt11 package", () => {
    const decoded = bolt11.decode(signInvoice(base, nodeKey));
    expect(decoded.millisatoshis).toBe("123456789");
    expect(decoded.payeeNodeKey).toBe(secp.etc.bytesToHex(secp.getPublicKey(nodeKey, true)));
    expect(decoded.tags.find((t) => t.tagName === "description")?.data).toBe("espresso ☕");
  });

  it("commits to a description hash instead of a description when given one", () => {
    const hash = sha256(new TextEncoder().encode("a long terms-of-sale text"));
    const d = decodeInvoice(signInvoice({ ...base, description: null, descriptionHash: hash }, nodeKey));
    if (!d.ok) throw new Error(d.error.message);
    expect(d.value.description).toBeNull();
    expect(d.value.description_hash).toBe(secp.etc.bytesToHex(hash));
  });

  it.each([
    ["mainnet", "lnbc"],
    ["testnet", "lntb"],
    ["signet", "lntbs"],
    ["regtest", "lnbcrt"],
  ] as const)("uses the %s prefix %s and decodes it back", (network, prefix) => {
    const invoice = signInvoice({ ...base, network, amountMsat: 1_000n }, nodeKey);
    expect(invoice.startsWith(`${prefix}10n1`)).toBe(true);
    const d = decodeInvoice(invoice);
    expect(d.ok && d.value.network).toBe(network);
  });

  it.each([
    ["a p amount that is not a whole msat", "lnbcrt15p1", "bolt11_invalid_amount"],
    ["a leading zero in the amount", "lnbcrt0100n1", "bolt11_invalid_amount"],
    ["an unknown currency", "lnxx10n1", "bolt11_unknown_network"],
  ] as const)("rejects %s", (_name, prefix, code) => {
    const good = signInvoice({ ...base, amountMsat: 1_000n }, nodeKey);
    const { words } = bech32.decode(good as `${string}1${string}`, false);
    const forged = signPayload(prefix.slice(0, -1), Array.from(words).slice(0, -104), nodeKey);
    const d = decodeInvoice(forged);
    expect(d.ok ? "accepted" : d.error.code).toBe(code);
  });

  it("rejects an invoice whose data was changed after signing (payee no longer matches)", () => {
    const invoice = signInvoice(base, nodeKey);
    const { prefix, words } = bech32.decode(invoice as `${string}1${string}`, false);
    const tampered = Array.from(words);
    tampered[10] = (tampered[10]! + 1) % 32;
    const d = decodeInvoice(bech32.encode(prefix, tampered, false));
    if (!d.ok) throw new Error(d.error.message);
    expect(d.value.payee_pubkey).not.toBe(secp.etc.bytesToHex(secp.getPublicKey(nodeKey, true)));
  });
});
