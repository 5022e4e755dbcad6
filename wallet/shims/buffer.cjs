// Browser stand-in for Node's Buffer (the `buffer` package, 28 KB), for bolt11 and its helpers:
// a Uint8Array with the calls they make — from (bytes, hex, UTF-8), concat, alloc, isBuffer,
// toString (hex, UTF-8), equals, and slice as a view, as in Node. Checked against the real
// Buffer on BOLT #11's vectors in test/browser/wallet-build.test.ts.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Buffer extends Uint8Array {
  static from(value, encoding) {
    if (typeof value === "string") {
      if (encoding === "hex") {
        const bytes = [];
        // Like Node: read pairs of hex digits up to the first pair that is not one.
        for (let i = 0; i + 1 < value.length && /^[0-9a-f]{2}$/i.test(value.slice(i, i + 2)); i += 2)
          bytes.push(Number.parseInt(value.slice(i, i + 2), 16));
        return Buffer.of(...bytes);
      }
      if (encoding !== undefined && encoding !== "utf8" && encoding !== "utf-8")
        throw new TypeError(`unsupported encoding ${encoding}`);
      return Buffer.wrap(encoder.encode(value));
    }
    if (value instanceof ArrayBuffer) return new Buffer(value.slice(0));
    const out = new Buffer(value.length);
    out.set(value);
    return out;
  }
  static wrap(bytes) {
    return new Buffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  static alloc(size) {
    return new Buffer(size);
  }
  static isBuffer(value) {
    return value instanceof Buffer;
  }
  static concat(list) {
    const out = new Buffer(list.reduce((n, b) => n + b.length, 0));
    let offset = 0;
    for (const b of list) {
      out.set(b, offset);
      offset += b.length;
    }
    return out;
  }
  toString(encoding = "utf8") {
    if (encoding === "hex") return Array.from(this, (b) => b.toString(16).padStart(2, "0")).join("");
    if (encoding !== "utf8" && encoding !== "utf-8") throw new TypeError(`unsupported encoding ${encoding}`);
    return decoder.decode(this);
  }
  equals(other) {
    return this.length === other.length && this.every((b, i) => b === other[i]);
  }
  slice(start, end) {
    return this.subarray(start, end);
  }
}

module.exports = { Buffer };
