import { describe, expect, it } from "vitest";
import { redactSecrets } from "./redact";

const SEED = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const SECRETS = ["operator-token-xyz", "rpc-pass", undefined, "ab"];

describe("redactSecrets", () => {
  const rows: [name: string, text: string, expected: string][] = [
    ["leaves text without secrets alone", "no such table: rate_quotes", "no such table: rate_quotes"],
    ["strikes out a configured secret wherever it appears", "token operator-token-xyz!", "token [redacted]!"],
    ["strikes out every occurrence", "rpc-pass/rpc-pass", "[redacted]/[redacted]"],
    ["ignores secrets too short to be real (a 2-char value would blank out words)", "about", "about"],
    ["strikes out a merchant key", "bad key sk_Ab3dE9xQ_7z-k for x", "bad key [redacted] for x"],
    ["strikes out a webhook secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw= failed", "[redacted] failed"],
    [
      "strikes out URL credentials, keeping the host",
      "GET http://u:p@127.0.0.1:1/x",
      "GET http://[redacted]@127.0.0.1:1/x",
    ],
    ["strikes out 64 hex digits (seeds, keys, preimages)", `seed ${SEED}.`, "seed [redacted]."],
    ["keeps shorter hex (ids, codes)", "code 0xdeadbeef", "code 0xdeadbeef"],
  ];
  for (const [name, text, expected] of rows) {
    it(name, () => expect(redactSecrets(text, SECRETS)).toBe(expected));
  }
});
