/** Invoices: what a merchant asks to be paid, as a signed BOLT11 request. */
import type { FiatPrice, LockedRate } from "../rates/rate";

export const INVOICE_STATUSES = ["open", "paid", "expired", "canceled"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export interface Invoice {
  readonly id: string;
  readonly merchantId: string;
  readonly status: InvoiceStatus;
  readonly amountMsat: bigint;
  readonly description: string | null;
  readonly descriptionHash: string | null;
  readonly paymentHash: string;
  readonly paymentSecret: string;
  /** Secret until paid. */
  readonly preimage: string;
  readonly bolt11: string;
  readonly expirySeconds: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly paidAt: number | null;
  readonly canceledAt: number | null;
  readonly expiredAt: number | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly orderId: string | null;
  readonly paymentId: string | null;
  /** The hosted checkout page (`{origin}/pay/{id}`); null only for invoices older than checkout. */
  readonly checkoutUrl: string | null;
  /** Where the shopper goes once paid; shown to the public only after payment. */
  readonly successUrl: string | null;
  /** Metadata keys the public checkout view may show. */
  readonly publicMetadataKeys: readonly string[];
  /** The fiat price asked (a fiat-priced invoice), or null for an msat amount. */
  readonly price: FiatPrice | null;
  /** The rate locked for the invoice's lifetime: the price's, or the merchant's display currency's; null: none. */
  readonly rate: LockedRate | null;
}

/** What a merchant may ask for, already validated at the edge, with the msat amount settled. */
export interface InvoiceRequest {
  readonly amountMsat: bigint;
  /** Set when the amount was converted from a fiat price (see rates/rules.ts priceInFiat). */
  readonly price?: FiatPrice | null;
  readonly rate?: LockedRate | null;
  readonly description: string | null;
  readonly descriptionHash: string | null;
  readonly expirySeconds: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly orderId: string | null;
  readonly successUrl: string | null;
  readonly publicMetadataKeys: readonly string[];
}

/** The terms of an invoice besides its amount. */
export type InvoiceTerms = Omit<InvoiceRequest, "amountMsat" | "price" | "rate">;

/** What a merchant asks before conversion: exactly one of an msat amount or a fiat price. */
export type InvoiceAsk = InvoiceTerms &
  (
    | { readonly amountMsat: bigint; readonly price?: undefined }
    | { readonly price: FiatPrice; readonly amountMsat?: undefined }
  );
