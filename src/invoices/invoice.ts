/** Invoices: what a merchant asks to be paid, as a signed BOLT11 request. */
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
}

/** What a merchant may ask for, already validated at the edge. */
export interface InvoiceRequest {
  readonly amountMsat: bigint;
  readonly description: string | null;
  readonly descriptionHash: string | null;
  readonly expirySeconds: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly orderId: string | null;
  readonly successUrl: string | null;
  readonly publicMetadataKeys: readonly string[];
}
