/** Lightning Addresses: a merchant's `name@<hub domain>`, paid through LNURL-pay (LUD-06, LUD-16). */
export const ADDRESS_STATUSES = ["active", "disabled"] as const;
export type AddressStatus = (typeof ADDRESS_STATUSES)[number];

export interface LightningAddress {
  readonly id: string;
  readonly merchantId: string;
  /** The LUD-16 username: a-z 0-9 - _ . only; unique across merchants, never released. */
  readonly name: string;
  readonly status: AddressStatus;
  /** The metadata's `text/plain` entry: the line a wallet shows the payer. */
  readonly description: string;
  readonly minSendableMsat: bigint;
  readonly maxSendableMsat: bigint;
  /** LUD-12 commentAllowed: characters of comment accepted, 0 for none. */
  readonly commentAllowed: number;
  /** LUD-09 `message` success action. */
  readonly successMessage: string;
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

/** What a merchant asks for when claiming a name, validated at the edge (defaults not yet applied). */
export interface ClaimRequest {
  readonly name: string;
  readonly description: string | null;
  readonly minSendableMsat: bigint | null;
  readonly maxSendableMsat: bigint | null;
  readonly commentAllowed: number | null;
  readonly successMessage: string | null;
}

/** Where LNURL URLs point and which domain addresses carry (rules.ts `lnurlHost`). */
export interface LnurlHost {
  /** `https://<domain>` in production; LNURL callbacks and verify URLs are built on it. */
  readonly origin: string;
  /** The part after `@`. */
  readonly domain: string;
}

/** The raw query of an LNURL-pay callback: every value of each parameter, to catch duplicates. */
export interface CallbackQuery {
  readonly amount: readonly string[];
  readonly comment: readonly string[];
}

/** A decided callback: the invoice to issue. */
export interface InvoiceAsk {
  readonly amountMsat: bigint;
  /** LUD-12 comment, or null when none (or empty) was sent. */
  readonly comment: string | null;
}
