/**
 * The double-entry ledger (DESIGN.md §2). Accounts hold what the hub owes (liabilities) or earned
 * (equity) in msat; `external:` accounts stand for money outside the hub and alone may go negative.
 * Every journal's entries sum to zero, so liabilities + equity = −external = what the hub holds.
 */
export const account = {
  /** What the hub owes the payer of an open channel: their balance in it. */
  channel: (channelId: string) => `channel:${channelId}`,
  /** What the hub owes a merchant, net of fees and refunds. */
  merchant: (merchantId: string) => `merchant:${merchantId}`,
  /** Refunds owed back to the payer of a channel, paid out by settlement. */
  refundOwed: (channelId: string) => `refund_owed:${channelId}`,
  /** A payout planned by a settlement and not yet final on chain: still owed. */
  payout: (payoutId: string) => `payout:${payoutId}`,
  /** The hub's fee revenue (equity), and what payers leave it below a whole sat or dust at close. */
  fees: "hub:fees",
  /** What the operator deposited into the hub wallet (equity); pays the hub's on-chain fees past its revenue. */
  capital: "hub:capital",
  /** Money on the main chain, outside the hub's books. */
  chain: "external:chain",
  /** Miners' fees the hub's transactions paid. */
  chainFees: "external:fees",
  /**
   * Liabilities no longer backed on chain: a payer took a channel back by the CLTV path after
   * spending from it, and the hub's equity could not absorb the loss. Nonzero means the operator
   * must cover it; settlement closes channels before refund_locktime so this should stay zero.
   */
  shortfall: "external:shortfall",
} as const;

/** Ledger accounts whose balances the hub owes someone (DESIGN.md §2). */
export const LIABILITY_PREFIXES = ["channel:", "merchant:", "refund_owed:", "payout:"] as const;

export interface Entry {
  readonly account: string;
  /** Signed: positive increases the account's balance. */
  readonly amountMsat: bigint;
}

export interface Journal {
  readonly id: string;
  readonly entries: readonly Entry[];
  readonly createdAt: number;
}

/** True when `account` may hold a negative balance. */
export const isExternal = (name: string): boolean => name.startsWith("external:");
