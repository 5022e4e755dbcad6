/**
 * CSV cells and rows: RFC 4180 quoting, and formula injection made inert. Written here rather than
 * taken from csv-stringify: with CRLF records it leaves bare LF and CR unquoted, which splits a row
 * in most readers (checked with 6.9.0); the rules below are the whole of what is needed.
 */

/** Spreadsheet formula triggers (OWASP "CSV Injection"): a cell starting with one is prefixed with '. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180 §2.6: a field holding a comma, a quote or a line break is quoted. */
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null is empty; text that a spreadsheet would run as a formula starts with ' instead. */
export function csvCell(value: string | number | bigint | null): string {
  if (value === null) return "";
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  // RFC 4180 §2.7: a quote inside a quoted field is doubled.
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated (RFC 4180 §2.1). */
export const csvRow = (cells: readonly (string | number | bigint | null)[]): string =>
  `${cells.map(csvCell).join(",")}\r\n`;
