// Browser stand-in for the `bech32` package (v1 API: decode, encode, toWords, fromWords), which
// bolt11 uses for the invoice's words: @scure/base's bech32, already in the bundle for addresses.
// Checked against the real one on BOLT #11's vectors in test/browser/wallet-build.test.ts.
import { bech32 } from "@scure/base";

export const decode = (text, limit) => bech32.decode(text, limit);
export const encode = (prefix, words, limit) => bech32.encode(prefix, words, limit);
export const toWords = (bytes) => bech32.toWords(bytes);
export const fromWords = (words) => Array.from(bech32.fromWords(words));
