/**
 * A Worker for `npm run bench` only: runs `n` ECDSA verifications with one backend and answers
 * when done, so the bench can time each backend inside workerd (whose clocks stand still while
 * code runs: the caller times the request from outside, less an empty one).
 */
import { wasmEcdsa } from "../../src/chain/secp256k1-wasm";
import { derToCompact, nobleEcdsa, verifyDerLowS } from "../../src/chain/signature";
import { verifyFixtures } from "./verify-fixtures";

const { pubkey, hashes, signatures } = verifyFixtures();

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    const ecdsa = url.searchParams.get("backend") === "noble" ? nobleEcdsa : wasmEcdsa;
    const n = Number(url.searchParams.get("n") ?? 0);
    let valid = 0;
    for (let i = 0; i < n; i++) {
      // Exactly what a payment runs: strict DER parse, low-S and range checks, then the backend.
      if (verifyDerLowS(signatures[i % 64]!, hashes[i % 64]!, pubkey, ecdsa)) valid++;
    }
    if (valid !== n || derToCompact(signatures[0]!) === null) return new Response("invalid", { status: 500 });
    return new Response(String(valid));
  },
};
