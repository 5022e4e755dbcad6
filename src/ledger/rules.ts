/** Pure journals for each money movement; each sums to zero by construction and by assertion. */
import { satToMsat } from "../core/money";
import { account, type Entry, type Journal } from "./ledger";

/** A journal, after checking it balances: an unbalanced journal is a bug, not an input error. */
export function journal(id: string, createdAt: number, entries: Entry[]): Journal {
  const kept = entries.filter((e) => e.amountMsat !== 0n);
  const sum = kept.reduce((total, e) => total + e.amountMsat, 0n);
  if (sum !== 0n) throw new Error(`journal ${id} does not balance: sums to ${sum} msat`);
  return { id, createdAt, entries: kept };
}

/** A channel's funding confirmed: the deposit enters the hub as what it owes the payer. */
export const channelOpened = (channelId: string, capacitySat: bigint, at: number) =>
  journal(`open:${channelId}`, at, [
    { account: account.channel(channelId), amountMsat: satToMsat(capacitySat) },
    { account: account.chain, amountMsat: -satToMsat(capacitySat) },
  ]);

/** A payment: the channel pays the invoice amount; the merchant gets it less the fee; the hub the fee. */
export const payment = (
  paymentId: string,
  channelId: string,
  merchantId: string,
  amountMsat: bigint,
  feeMsat: bigint,
  at: number,
) =>
  journal(`payment:${paymentId}`, at, [
    { account: account.channel(channelId), amountMsat: -amountMsat },
    { account: account.merchant(merchantId), amountMsat: amountMsat - feeMsat },
    { account: account.fees, amountMsat: feeMsat },
  ]);

/** A refund: the merchant gives back, the hub now owes it to the payer of the paying channel. */
export const refund = (
  refundId: string,
  merchantId: string,
  channelId: string,
  amountMsat: bigint,
  at: number,
) =>
  journal(`refund:${refundId}`, at, [
    { account: account.merchant(merchantId), amountMsat: -amountMsat },
    { account: account.refundOwed(channelId), amountMsat },
  ]);

/** The payer took the CLTV refund: their balance left on chain. */
export const channelRefunded = (channelId: string, payerBalanceMsat: bigint, at: number) =>
  journal(`refunded:${channelId}`, at, [
    { account: account.channel(channelId), amountMsat: -payerBalanceMsat },
    { account: account.chain, amountMsat: payerBalanceMsat },
  ]);

/** Fee for a payment: base + amount × ppm / 10⁶ (rounded down), never more than the amount. */
export function feeFor(amountMsat: bigint, policy: { baseMsat: bigint; ppm: bigint }): bigint {
  const fee = policy.baseMsat + (amountMsat * policy.ppm) / 1_000_000n;
  return fee > amountMsat ? amountMsat : fee;
}
