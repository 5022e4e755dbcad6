/**
 * Stands in for the native `secp256k1` package that `bolt11` requires, over @noble/secp256k1,
 * exposing exactly the five calls bolt11 makes. Wired by alias in wrangler.toml and vitest.config.ts.
 */
import { secp } from "../crypto";

export function privateKeyVerify(secretKey: Uint8Array): boolean {
  return secp.utils.isValidSecretKey(secretKey);
}

export function publicKeyCreate(secretKey: Uint8Array, compressed = true): Uint8Array {
  return secp.getPublicKey(secretKey, compressed);
}

export function publicKeyVerify(publicKey: Uint8Array): boolean {
  return secp.utils.isValidPublicKey(publicKey);
}

export function ecdsaSign(
  msg32: Uint8Array,
  secretKey: Uint8Array,
): { signature: Uint8Array; recid: number } {
  const recovered = secp.sign(msg32, secretKey, { prehash: false, format: "recovered" });
  return { signature: recovered.slice(1), recid: recovered[0]! };
}

export function ecdsaRecover(
  sig64: Uint8Array,
  recid: number,
  msg32: Uint8Array,
  compressed = true,
): Uint8Array {
  const recovered = new Uint8Array(65);
  recovered[0] = recid;
  recovered.set(sig64, 1);
  const publicKey = secp.recoverPublicKey(recovered, msg32, { prehash: false });
  return compressed ? publicKey : secp.Point.fromBytes(publicKey).toBytes(false);
}

export default { privateKeyVerify, publicKeyCreate, publicKeyVerify, ecdsaSign, ecdsaRecover };
