// Only sha256 of @noble/hashes/sha2.js, so the CommonJS stand-ins that require it do not keep the
// module's other exports (SHA-512 and the rest) in the bundle.
export { sha256 } from "@noble/hashes/sha2.js";
