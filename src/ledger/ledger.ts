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
  /** The hub's fee revenue (equity). */
  fees: "hub:fees",
  /** Money on the main chain, outside the hub's books. */
  chain: "external:chain",
} as const;

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
