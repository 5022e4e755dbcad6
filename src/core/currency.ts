/**
 * ISO 4217 currency codes and their minor-unit exponents (JPY 0, EUR 2, BHD 3, CLF 4).
 *
 * The table is the `currency-codes` package's (pinned), which it ingests from ISO 4217 List One as
 * published by the maintenance agency (SIX Financial Information); the package ships that XML and
 * its date (`publishDate`). List One marks funds, precious metals, SDRs and the test codes with
 * no minor unit ("N.A."); the package records those as 0, so they are excluded here by name: no
 * one prices a coffee in troy ounces of gold.
 */
import { data, publishDate } from "currency-codes";

/** ISO 4217 List One entries whose minor unit is "N.A." (not a currency one can price in). */
const NO_MINOR_UNIT = new Set([
  "XAG", // silver
  "XAU", // gold
  "XPD", // palladium
  "XPT", // platinum
  "XBA", // European composite unit
  "XBB", // European monetary unit
  "XBC", // European unit of account 9
  "XBD", // European unit of account 17
  "XDR", // SDR (IMF special drawing right)
  "XSU", // Sucre
  "XUA", // ADB unit of account
  "XTS", // reserved for testing
  "XXX", // no currency involved
]);

const EXPONENTS: ReadonlyMap<string, number> = new Map(
  data.filter((c) => !NO_MINOR_UNIT.has(c.code)).map((c) => [c.code, c.digits]),
);

/** The ISO 4217 List One publication the table follows. */
export const ISO_4217_PUBLISHED = publishDate;

/** The minor-unit exponent of an ISO 4217 code (upper case, as ISO writes it), or null if it is none. */
export function minorUnitExponent(code: string): number | null {
  return EXPONENTS.get(code) ?? null;
}

/** Whether `code` is an ISO 4217 currency one can price in. */
export const isCurrency = (code: string): boolean => EXPONENTS.has(code);

/** "12.50" for 1250 minor units of a 2-exponent currency; "1500" for JPY; exact (no floats). */
export function formatMinor(amountMinor: bigint, exponent: number): string {
  const sign = amountMinor < 0n ? "-" : "";
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString().padStart(exponent + 1, "0");
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * Parses a provider's decimal price ("97123.456") into minor units of a currency with `exponent`,
 * rounding half up past the exponent. Null for anything but a plain positive decimal.
 */
export function parseDecimalToMinor(text: string, exponent: number): bigint | null {
  const match = /^(\d{1,15})(?:\.(\d{1,18}))?$/.exec(text);
  if (!match) return null;
  const whole = match[1]!;
  const fraction = match[2] ?? "";
  const kept = fraction.slice(0, exponent).padEnd(exponent, "0");
  let minor = BigInt(whole + kept);
  if (fraction.length > exponent && Number(fraction[exponent]) >= 5) minor += 1n;
  return minor > 0n ? minor : null;
}

/**
 * Parses an amount a person typed in a currency's major units ("4.50", "4.5", "4" for EUR; "1500"
 * for JPY) into minor units, exactly: more decimals than the exponent allows is refused (null),
 * never rounded, and so is anything but a plain non-negative decimal.
 */
export function parseMajorExact(text: string, exponent: number): bigint | null {
  const match = /^(0|[1-9][0-9]{0,14})(?:\.([0-9]+))?$/.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? "";
  if (fraction.length > exponent) return null;
  return BigInt(match[1]! + fraction.padEnd(exponent, "0"));
}
