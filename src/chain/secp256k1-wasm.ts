/**
 * ECDSA by libsecp256k1 compiled to WebAssembly (the `tiny-secp256k1` package's binary), for the
 * Worker: several times @noble/secp256k1's rate on the payment hot path (verify the payer's state,
 * sign the receipt; BENCHMARKS.md). Workers cannot compile WebAssembly from bytes at run time, so
 * the binary is imported as a module (wrangler and vitest-pool-workers both turn a `.wasm` import
 * into a `WebAssembly.Module`); the package's own loader expects a bundler's ESM integration or
 * Node's `fs` instead, hence this small one. Node code (the SDK, the CLI) keeps noble.
 *
 * Strict DER and low S are enforced before verification, in signature.ts, for every backend alike.
 */
// By path: the package's exports map does not expose the binary itself.
import wasmModule from "../../node_modules/tiny-secp256k1/lib/secp256k1.wasm";
import type { Ecdsa } from "./signature";

interface Exports {
  memory: WebAssembly.Memory;
  HASH_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT: WebAssembly.Global;
  PRIVATE_INPUT: WebAssembly.Global;
  SIGNATURE_INPUT: WebAssembly.Global;
  verify(pubkeyLength: number, strict: number): number;
  sign(withExtraData: number): void;
}

let exports: Exports | null = null;

function instance(): Exports {
  if (exports) return exports;
  const imports = {
    // Seeds libsecp256k1's context randomization (side-channel hardening of signing).
    "./rand.js": { generateInt32: () => crypto.getRandomValues(new Int32Array(1))[0]! },
    "./validate_error.js": {
      throwError: (code: number) => {
        throw new TypeError(`libsecp256k1 rejected its input (code ${code})`);
      },
    },
  };
  exports = new WebAssembly.Instance(wasmModule, imports).exports as unknown as Exports;
  return exports;
}

/** Runs `use` with the inputs copied into the module's buffers, and wipes them afterwards. */
function withInputs<T>(inputs: [WebAssembly.Global, Uint8Array, number][], use: (wasm: Exports) => T): T {
  const wasm = instance();
  const memory = new Uint8Array(wasm.memory.buffer);
  try {
    for (const [at, bytes] of inputs) memory.set(bytes, at.value as number);
    return use(wasm);
  } finally {
    for (const [at, , size] of inputs) memory.fill(0, at.value as number, (at.value as number) + size);
  }
}

/**
 * libsecp256k1: `secp256k1_ecdsa_verify` in strict mode (a high S is refused), and
 * `secp256k1_ecdsa_sign` with RFC 6979 nonces and no extra entropy (the same bytes as noble).
 */
export const wasmEcdsa: Ecdsa = {
  verify(compact, hash, pubkey) {
    if (compact.length !== 64 || hash.length !== 32 || (pubkey.length !== 33 && pubkey.length !== 65))
      return false;
    const e = instance();
    try {
      return withInputs(
        [
          [e.HASH_INPUT, hash, 32],
          [e.PUBLIC_KEY_INPUT, pubkey, 65],
          [e.SIGNATURE_INPUT, compact, 64],
        ],
        (wasm) => wasm.verify(pubkey.length, 1) === 1,
      );
    } catch {
      return false; // the module throws (through throwError) on a key that is not a point
    }
  },
  sign(hash, secretKey) {
    if (hash.length !== 32 || secretKey.length !== 32) throw new Error("sign needs a 32-byte hash and key");
    const e = instance();
    return withInputs(
      [
        [e.HASH_INPUT, hash, 32],
        [e.PRIVATE_INPUT, secretKey, 32],
        [e.SIGNATURE_INPUT, new Uint8Array(0), 64],
      ],
      (wasm) => {
        wasm.sign(0);
        const at = wasm.SIGNATURE_INPUT.value as number;
        return new Uint8Array(wasm.memory.buffer).slice(at, at + 64);
      },
    );
  },
};
