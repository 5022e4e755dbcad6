// Browser stand-in for `bitcoinjs-lib` (200 KB with its dependencies), which bolt11 uses only
// for the four address functions of fallback addresses (field `f`): over @scure/base's bech32,
// bech32m and base58check with @noble/hashes' sha256. Checked against the real one in
// test/browser/wallet-build.test.ts.
import { sha256 } from "@noble/hashes/sha2.js";
import { bech32, bech32m, createBase58check } from "@scure/base";
// biome-ignore lint/style/useNodejsImportProtocol: the npm "buffer" polyfill, bundled for the browser
import { Buffer } from "buffer";

const base58check = createBase58check(sha256);

export const address = {
  toBase58Check(hash, version) {
    return base58check.encode(Uint8Array.from([version, ...hash]));
  },
  fromBase58Check(text) {
    const bytes = base58check.decode(text);
    if (bytes.length !== 21) throw new TypeError(`${text} is too short or too long`);
    return { version: bytes[0], hash: Buffer.from(bytes.subarray(1)) };
  },
  toBech32(data, version, prefix) {
    const words = [version, ...bech32.toWords(data)];
    return (version === 0 ? bech32 : bech32m).encode(prefix, words);
  },
  fromBech32(text) {
    let decoded;
    try {
      decoded = bech32.decode(text);
    } catch {}
    if (decoded && decoded.words[0] !== 0) decoded = undefined;
    if (!decoded) {
      decoded = bech32m.decode(text);
      if (decoded.words[0] === 0) throw new TypeError(`${text} uses the wrong encoding`);
    }
    const [version, ...words] = decoded.words;
    return { version, prefix: decoded.prefix, data: Buffer.from(bech32.fromWords(words)) };
  },
};
