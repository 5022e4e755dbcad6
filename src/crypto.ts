/**
 * The one place @noble/secp256k1 is configured: its synchronous API needs sha256 and
 * HMAC-SHA256 (RFC 6979 nonces). Everything that signs or verifies imports `secp` from here.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as secp from "@noble/secp256k1";

secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);

export { secp, sha256, hmac };
export { bytesToHex, hexToBytes, utf8ToBytes, concatBytes, randomBytes } from "@noble/hashes/utils.js";
