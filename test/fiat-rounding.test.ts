/** Conversions and roundings between msat and minor units (src/core/fiat.ts), and the ISO 4217 table. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatMinor,
  isCurrency,
  minorUnitExponent,
  parseDecimalToMinor,
  parseMajorExact,
} from "../src/core/currency";
import {
  deviationPpmCeil,
  MSAT_PER_BTC,
  medianFloor,
  msatToMinorNearest,
  priceToMsatCeil,
  refundToMsatFloor,
  spreadPriceFloor,
} from "../src/core/fiat";

// BTC prices from 1 minor unit to 2^53 − 1 (well past any real market), amounts to 10^12 minor units.
const btcPrice = fc.bigInt({ min: 1n, max: 2n ** 53n - 1n });
const amountMinor = fc.bigInt({ min: 0n, max: 10n ** 12n });
const amountMsat = fc.bigInt({ min: 0n, max: 2n ** 53n - 1n });

describe("rounding, as properties over random amounts and prices", () => {
  it("priceToMsatCeil asks the least msat worth at least the price", () => {
    fc.assert(
      fc.property(amountMinor, btcPrice, (amount, price) => {
        const msat = priceToMsatCeil(amount, price);
        expect(msat * price).toBeGreaterThanOrEqual(amount * MSAT_PER_BTC);
        if (msat > 0n) expect((msat - 1n) * price).toBeLessThan(amount * MSAT_PER_BTC);
      }),
    );
  });

  it("refundToMsatFloor gives the most msat worth at most the amount", () => {
    fc.assert(
      fc.property(amountMinor, btcPrice, (amount, price) => {
        const msat = refundToMsatFloor(amount, price);
        expect(msat * price).toBeLessThanOrEqual(amount * MSAT_PER_BTC);
        expect((msat + 1n) * price).toBeGreaterThan(amount * MSAT_PER_BTC);
      }),
    );
  });

  it("partial refunds of a fiat price at its own rate never add up past what was paid", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { minLength: 1, maxLength: 8 }),
        btcPrice,
        (parts, price) => {
          const total = parts.reduce((a, b) => a + b, 0n);
          const refunded = parts.reduce((sum, p) => sum + refundToMsatFloor(p, price), 0n);
          expect(refunded).toBeLessThanOrEqual(priceToMsatCeil(total, price));
        },
      ),
    );
  });

  it("msatToMinorNearest is within half a minor unit of the exact value", () => {
    fc.assert(
      fc.property(amountMsat, btcPrice, (msat, price) => {
        const minor = msatToMinorNearest(msat, price);
        const errorTimesBtc = minor * MSAT_PER_BTC - msat * price; // (minor − exact) × 10^11
        expect(2n * errorTimesBtc).toBeLessThanOrEqual(MSAT_PER_BTC);
        expect(2n * errorTimesBtc).toBeGreaterThan(-MSAT_PER_BTC);
      }),
    );
  });

  it("a price converted to msat reads back as the same price while a msat is worth at most half a minor unit", () => {
    // Rounding up adds under 1 msat, worth under price / 10^11 minor units: under a half, it rounds back.
    fc.assert(
      fc.property(amountMinor, fc.bigInt({ min: 1n, max: MSAT_PER_BTC / 2n }), (amount, price) => {
        expect(msatToMinorNearest(priceToMsatCeil(amount, price), price)).toBe(amount);
      }),
    );
  });

  it("the spread only ever lowers the price, and by at most the spread (plus one minor unit of rounding)", () => {
    fc.assert(
      fc.property(btcPrice, fc.bigInt({ min: 0n, max: 999_999n }), (price, ppm) => {
        const spread = spreadPriceFloor(price, ppm);
        expect(spread).toBeLessThanOrEqual(price);
        expect(spread * 1_000_000n).toBeGreaterThan(price * (1_000_000n - ppm) - 1_000_000n);
        if (ppm === 0n) expect(spread).toBe(price);
      }),
    );
  });
});

describe("rounding, row by row", () => {
  it.each([
    // [amount minor, BTC price minor, msat asked, msat refunded, what it is]
    [350n, 9_000_000n, 3_888_889n, 3_888_888n, "EUR 3.50 at EUR 90,000.00"],
    [1_500n, 1_500_000_000n, 100_000n, 100_000n, "JPY 1,500 at JPY 15,000,000: exact"],
    [1_250n, 37_600_000n, 3_324_469n, 3_324_468n, "BHD 1.250 at BHD 37,600.000"],
    [1n, 10_000_000n, 10_000n, 10_000n, "one US cent at USD 100,000.00"],
    [1n, 2n ** 53n - 1n, 1n, 0n, "one minor unit at an absurd price: still 1 msat asked"],
  ])("%s minor at %s → asks %s msat, a refund gives %s (%s)", (amount, price, asked, refunded) => {
    expect(priceToMsatCeil(amount, price)).toBe(asked);
    expect(refundToMsatFloor(amount, price)).toBe(refunded);
  });

  it.each([
    [150_000n, 9_000_000n, 14n, "13.5 cents rounds half up"],
    [149_999n, 9_000_000n, 13n, "13.49991 cents rounds down"],
    [0n, 9_000_000n, 0n, "nothing is worth nothing"],
    [100_000_000_000n, 9_000_000n, 9_000_000n, "one bitcoin is the price"],
  ])("%s msat at %s is %s minor units (%s)", (msat, price, minor) => {
    expect(msatToMinorNearest(msat, price)).toBe(minor);
  });

  it.each([
    [[5n], 5n],
    [[3n, 1n, 2n], 2n],
    [[1n, 2n, 3n, 4n], 2n],
    [[9_000_000n, 9_010_000n], 9_005_000n],
    [[9_000_001n, 9_000_002n], 9_000_001n],
  ])("the median of %s is %s (the mean of the middle two, rounding down)", (prices, median) => {
    expect(medianFloor(prices)).toBe(median);
  });

  it("measures deviation in ppm, rounding up, either way", () => {
    expect(deviationPpmCeil(102n, 100n)).toBe(20_000n);
    expect(deviationPpmCeil(98n, 100n)).toBe(20_000n);
    expect(deviationPpmCeil(1_000_001n, 1_000_000n)).toBe(1n);
  });

  it("refuses impossible inputs loudly (bugs, not user errors)", () => {
    expect(() => priceToMsatCeil(1n, 0n)).toThrow(RangeError);
    expect(() => spreadPriceFloor(1n, 1_000_000n)).toThrow(RangeError);
    expect(() => medianFloor([])).toThrow(RangeError);
  });
});

describe("ISO 4217 minor units", () => {
  it.each([
    ["EUR", 2],
    ["USD", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["BHD", 3],
    ["KWD", 3],
    ["CLF", 4],
    ["XAU", null],
    ["XXX", null],
    ["XTS", null],
    ["eur", null],
    ["EUX", null],
    ["BTC", null],
  ])("%s has exponent %s", (code, exponent) => {
    expect(minorUnitExponent(code)).toBe(exponent);
    expect(isCurrency(code)).toBe(exponent !== null);
  });

  it.each([
    [350n, 2, "3.50"],
    [5n, 2, "0.05"],
    [1_500n, 0, "1500"],
    [1_250n, 3, "1.250"],
    [0n, 2, "0.00"],
  ])("%s minor units with exponent %s read %s", (minor, exponent, text) => {
    expect(formatMinor(minor, exponent)).toBe(text);
  });

  it("parseMajorExact reads back what formatMinor writes, for every exponent", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
        fc.integer({ min: 0, max: 4 }),
        (minor, e) => {
          expect(parseMajorExact(formatMinor(minor, e), e)).toBe(minor);
        },
      ),
    );
  });

  it.each([
    ["4.5", 2, 450n],
    ["4", 2, 400n],
    ["0.01", 2, 1n],
    ["1500", 0, 1_500n],
    ["1.250", 3, 1_250n],
    ["4.505", 2, null], // more decimals than EUR has: refused, never rounded
    ["15.5", 0, null],
    ["04.50", 2, null],
    ["4.", 2, null],
    [".5", 2, null],
    ["-1", 2, null],
    ["1e3", 2, null],
    ["1,5", 2, null],
    ["", 2, null],
  ])("parseMajorExact(%j, %s) is %s", (text, exponent, minor) => {
    expect(parseMajorExact(text, exponent)).toBe(minor);
  });

  it.each([
    ["97123.45", 2, 9_712_345n],
    ["97123.454", 2, 9_712_345n],
    ["97123.455", 2, 9_712_346n],
    ["97123.00000", 2, 9_712_300n],
    ["15000000", 0, 15_000_000n],
    ["15000000.5", 0, 15_000_001n],
    ["37600.1234", 3, 37_600_123n],
    ["0.001", 2, null],
    ["0", 2, null],
    ["-97000", 2, null],
    ["9.7e4", 2, null],
    [" 97000", 2, null],
    ["97,000.00", 2, null],
    ["", 2, null],
    ["0x10", 2, null],
    ["1234567890123456", 2, null],
  ])("a provider's %s with exponent %s reads as %s minor units", (text, exponent, minor) => {
    expect(parseDecimalToMinor(text, exponent)).toBe(minor);
  });
});
