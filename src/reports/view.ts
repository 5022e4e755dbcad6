/** Report rows as CSV cells, in the column order of report.ts (docs/reports.md). */
import { segwitAddress } from "../chain/script";
import { msatToMinorNearest } from "../core/fiat";
import type { Network } from "../core/network";
import { hexToBytes } from "../crypto";
import { fiat, fiatOf, isoTime, sats } from "./report";
import type { PaymentRow, PayoutRow, RefundRow } from "./store";

type Cells = (string | number | null)[];

const big = (n: number | null): bigint | null => (n === null ? null : BigInt(n));

/** A payment: amounts in msat and sat, and their fiat values when paid (fee and net at the payment's rate). */
export function paymentCells(r: PaymentRow): Cells {
  const amount = BigInt(r.amount_msat);
  const fee = BigInt(r.fee_msat);
  const price = big(r.fiat_btc_price_minor);
  const amountFiat = big(r.fiat_amount_minor);
  const feeFiat = price === null ? null : msatToMinorNearest(fee, price);
  // net = amount − fee in minor units, so the three fiat columns always add up.
  const netFiat = amountFiat === null || feeFiat === null ? null : amountFiat - feeFiat;
  return [
    r.id,
    isoTime(r.created_at),
    r.invoice_id,
    r.order_id,
    r.description,
    r.amount_msat,
    sats(amount),
    r.fee_msat,
    sats(fee),
    Number(amount - fee),
    sats(amount - fee),
    r.refunded_msat,
    sats(BigInt(r.refunded_msat)),
    r.fiat_currency,
    fiat(amountFiat, r.fiat_currency),
    fiat(feeFiat, r.fiat_currency),
    fiat(netFiat, r.fiat_currency),
    r.fiat_currency === null ? null : fiat(big(r.refunded_fiat_minor) ?? 0n, r.fiat_currency),
    fiat(price, r.fiat_currency),
    r.fiat_currency === null ? null : r.price_currency !== null ? "true" : "false",
    r.rate_source,
    isoTime(r.rate_fetched_at),
  ];
}

/** A refund: its msat, and its fiat value at the rate it was given at. */
export function refundCells(r: RefundRow): Cells {
  return [
    r.id,
    isoTime(r.created_at),
    r.payment_id,
    r.invoice_id,
    r.reason,
    r.amount_msat,
    sats(BigInt(r.amount_msat)),
    r.fiat_currency,
    fiat(big(r.fiat_amount_minor), r.fiat_currency),
    fiat(big(r.fiat_btc_price_minor), r.fiat_currency),
    r.fiat_rate_basis,
  ];
}

/** A payout: sats on chain, the msat it took off the balance, and their value at the hour's rate. */
export function payoutCells(r: PayoutRow, network: Network, displayCurrency: string | null): Cells {
  const price = big(r.rate_price_minor);
  const currency = price === null ? null : displayCurrency;
  const amountMsat = BigInt(r.amount_sat) * 1000n;
  return [
    r.id,
    isoTime(r.created_at),
    r.settlement_id,
    r.status,
    r.txid,
    segwitAddress(hexToBytes(r.script_pubkey), network),
    r.amount_sat,
    Number(amountMsat),
    r.fee_share_sat,
    r.debit_msat,
    sats(BigInt(r.debit_msat)),
    currency,
    fiatOf(amountMsat, price, currency),
    fiatOf(BigInt(r.debit_msat), price, currency),
    fiat(price, currency),
    isoTime(r.rate_hour_start),
  ];
}
