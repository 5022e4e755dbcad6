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

/** Equity the hub can spend, msat: its fee revenue and the operator's capital. */
export interface Equity {
  readonly feesMsat: bigint;
  readonly capitalMsat: bigint;
}

/** Entries taking `costMsat` from the hub's equity: fee revenue first, then capital, then shortfall. */
function fromEquity(costMsat: bigint, equity: Equity): Entry[] {
  const fromFees = costMsat < equity.feesMsat ? costMsat : equity.feesMsat;
  const rest = costMsat - (fromFees > 0n ? fromFees : 0n);
  const fromCapital = rest < equity.capitalMsat ? rest : equity.capitalMsat;
  const uncovered = rest - (fromCapital > 0n ? fromCapital : 0n);
  return [
    { account: account.fees, amountMsat: fromFees > 0n ? -fromFees : 0n },
    { account: account.capital, amountMsat: fromCapital > 0n ? -fromCapital : 0n },
    { account: account.shortfall, amountMsat: -uncovered },
  ];
}

/**
 * The payer took the CLTV refund: the whole capacity left on chain. What they had spent from it
 * (already credited to merchants) is the hub's loss, taken from its equity.
 */
export const channelRefunded = (
  channelId: string,
  capacitySat: bigint,
  payerBalanceMsat: bigint,
  equity: Equity,
  at: number,
) =>
  journal(`refunded:${channelId}`, at, [
    { account: account.channel(channelId), amountMsat: -payerBalanceMsat },
    { account: account.chain, amountMsat: satToMsat(capacitySat) },
    ...fromEquity(satToMsat(capacitySat) - payerBalanceMsat, equity),
  ]);

/** The operator deposited into the hub wallet: capital. */
export const hubDeposit = (outpoint: string, valueSat: bigint, at: number) =>
  journal(`deposit:${outpoint}`, at, [
    { account: account.capital, amountMsat: satToMsat(valueSat) },
    { account: account.chain, amountMsat: -satToMsat(valueSat) },
  ]);

/** A settlement planned a payout: the balance it pays moves to the payout, still owed until final. */
export const payoutPlanned = (payoutId: string, fromAccount: string, debitMsat: bigint, at: number) =>
  journal(`payout:${payoutId}`, at, [
    { account: fromAccount, amountMsat: -debitMsat },
    { account: account.payout(payoutId), amountMsat: debitMsat },
  ]);

/** A payout's transaction was abandoned: the amount goes back to the balance it came from. */
export const payoutFailed = (payoutId: string, toAccount: string, debitMsat: bigint, at: number) =>
  journal(`payout_failed:${payoutId}`, at, [
    { account: account.payout(payoutId), amountMsat: -debitMsat },
    { account: toAccount, amountMsat: debitMsat },
  ]);

/** A payout is final on chain: the amount left, the payee's fee share went to the miners. */
export const payoutFinal = (payoutId: string, amountSat: bigint, feeShareSat: bigint, at: number) =>
  journal(`payout_final:${payoutId}`, at, [
    { account: account.payout(payoutId), amountMsat: -satToMsat(amountSat + feeShareSat) },
    { account: account.chain, amountMsat: satToMsat(amountSat) },
    { account: account.chainFees, amountMsat: satToMsat(feeShareSat) },
  ]);

/**
 * A channel closed on chain with the payer's last state: their output left; what they gave up
 * below a whole sat (or a dust balance) is the hub's.
 */
export const channelClosed = (channelId: string, payerBalanceMsat: bigint, payerSat: bigint, at: number) =>
  journal(`close:${channelId}`, at, [
    { account: account.channel(channelId), amountMsat: -payerBalanceMsat },
    { account: account.chain, amountMsat: satToMsat(payerSat) },
    { account: account.fees, amountMsat: payerBalanceMsat - satToMsat(payerSat) },
  ]);

/** The hub's own share of a settlement transaction's miner fee. */
export const settlementFee = (txKey: string, hubFeeMsat: bigint, equity: Equity, at: number) =>
  journal(`settlement_fee:${txKey}`, at, [
    { account: account.chainFees, amountMsat: hubFeeMsat },
    ...fromEquity(hubFeeMsat, equity),
  ]);

/** Fee for a payment: base + amount × ppm / 10⁶ (rounded down), never more than the amount. */
export function feeFor(amountMsat: bigint, policy: { baseMsat: bigint; ppm: bigint }): bigint {
  const fee = policy.baseMsat + (amountMsat * policy.ppm) / 1_000_000n;
  return fee > amountMsat ? amountMsat : fee;
}
