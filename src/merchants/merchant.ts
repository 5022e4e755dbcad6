/** Merchants and their API keys. */
export const SCOPES = [
  "invoices:read",
  "invoices:write",
  "payments:read",
  "refunds:write",
  "api_keys:read",
  "api_keys:write",
  "account:read",
  "account:write",
  "payouts:read",
  "events:read",
  "webhooks:read",
  "webhooks:write",
  "lightning_addresses:read",
  "lightning_addresses:write",
  "payment_links:read",
  "payment_links:write",
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  /** Fee overrides; null means the deployment default. */
  readonly feeBaseMsat: number | null;
  readonly feePpm: number | null;
  /** Where settlement pays this merchant (hex output script), or null until it sets an address. */
  readonly payoutScriptPubkey: string | null;
  /** Paid out once its balance reaches this; null: the deployment default. */
  readonly payoutThresholdMsat: number | null;
  /** ISO 4217 code fiat values are shown in for sat-priced invoices, the balance and payouts; null: none. */
  readonly displayCurrency: string | null;
  /** Taken off the rate when pricing in fiat (ppm): more sats for the same price. */
  readonly rateSpreadPpm: number;
}

export interface ApiKey {
  readonly id: string;
  readonly merchantId: string;
  readonly prefix: string;
  readonly keyHash: string;
  readonly scopes: readonly Scope[];
  readonly label: string | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}
