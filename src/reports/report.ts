/** The CSV exports: their kinds, time ranges and columns (docs/reports.md documents each column). */
import { formatMinor } from "../core/currency";
import { domainError, type DomainError } from "../core/errors";
import { msatToMinorNearest } from "../core/fiat";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { exponentOf } from "../rates/view";

export const REPORT_KINDS = ["payments", "refunds", "payouts"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** [from, to) in Unix seconds. */
export interface TimeRange {
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

/**
 * A time given as Unix seconds, a UTC date (2026-12-01) or an RFC 3339 UTC time
 * (2026-12-01T10:00:00Z); null for anything else.
 */
export function parseTime(text: string): number | null {
  if (/^\d{1,11}$/.test(text)) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z)?$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h = "0", mi = "0", s = "0"] = m.slice(1);
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const back = new Date(ms);
  // Reject dates that Date.UTC rolls over (2026-02-30, 25:00:00).
  if (
    back.getUTCDate() !== Number(d) ||
    back.getUTCHours() !== Number(h) ||
    back.getUTCMinutes() !== Number(mi)
  )
    return null;
  if (back.getUTCSeconds() !== Number(s) || back.getUTCMonth() !== Number(mo) - 1) return null;
  return ms / 1000;
}

/** A range must start before it ends and span at most LIMITS.maxReportRangeSeconds. */
export function checkRange(fromSeconds: number, toSeconds: number): Result<TimeRange, DomainError> {
  if (fromSeconds >= toSeconds) return err(domainError("invalid_range", "from must be before to", "from"));
  if (toSeconds - fromSeconds > LIMITS.maxReportRangeSeconds) {
    return err(
      domainError(
        "invalid_range",
        `a report covers at most ${LIMITS.maxReportRangeSeconds / 86_400} days; split the range`,
        "to",
      ),
    );
  }
  return ok({ fromSeconds, toSeconds });
}

/** "2026-12-01T10:00:00Z". */
export const isoTime = (seconds: number | null): string | null =>
  seconds === null ? null : new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** msat as exact decimal sats: "150.000". */
export const sats = (msat: bigint): string => formatMinor(msat, 3);

/** Minor units as an exact decimal of the currency: "3.50", "1500", "1.250". */
export const fiat = (minor: bigint | null, currency: string | null): string | null =>
  minor === null || currency === null ? null : formatMinor(minor, exponentOf(currency));

/** The fiat value of an msat amount at a BTC price, as a decimal of the currency (nearest minor unit). */
export const fiatOf = (msat: bigint, price: bigint | null, currency: string | null): string | null =>
  price === null || currency === null ? null : fiat(msatToMinorNearest(msat, price), currency);

export const PAYMENT_COLUMNS = [
  "payment_id",
  "created_at",
  "invoice_id",
  "order_id",
  "description",
  "amount_msat",
  "amount_sat",
  "fee_msat",
  "fee_sat",
  "net_msat",
  "net_sat",
  "refunded_msat",
  "refunded_sat",
  "fiat_currency",
  "amount_fiat",
  "fee_fiat",
  "net_fiat",
  "refunded_fiat",
  "btc_price_fiat",
  "priced_in_fiat",
  "rate_source",
  "rate_fetched_at",
] as const;

export const REFUND_COLUMNS = [
  "refund_id",
  "created_at",
  "payment_id",
  "invoice_id",
  "reason",
  "amount_msat",
  "amount_sat",
  "fiat_currency",
  "amount_fiat",
  "btc_price_fiat",
  "fiat_rate_basis",
] as const;

export const PAYOUT_COLUMNS = [
  "payout_id",
  "created_at",
  "settlement_id",
  "status",
  "txid",
  "address",
  "amount_sat",
  "amount_msat",
  "fee_share_sat",
  "debit_msat",
  "debit_sat",
  "fiat_currency",
  "amount_fiat",
  "debit_fiat",
  "btc_price_fiat",
  "rate_at",
] as const;
