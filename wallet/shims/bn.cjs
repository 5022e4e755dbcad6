// Browser stand-in for `bn.js` (44 KB), which bolt11 uses only to convert invoice amounts: the
// handful of calls it makes, over native BigInt. Checked against the real one on BOLT #11's
// vectors in test/browser/wallet-build.test.ts.
class BN {
  constructor(value, base) {
    if (base !== undefined && base !== 10) throw new Error(`unsupported base ${base}`);
    this.value = typeof value === "bigint" ? value : BigInt(value);
  }
  mul(other) {
    return new BN(this.value * other.value);
  }
  div(other) {
    return new BN(this.value / other.value);
  }
  mod(other) {
    return new BN(this.value % other.value);
  }
  eq(other) {
    return this.value === other.value;
  }
  gt(other) {
    return this.value > other.value;
  }
  lt(other) {
    return this.value < other.value;
  }
  toString(base = 10) {
    return this.value.toString(base);
  }
}

module.exports = BN;
