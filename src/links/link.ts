/** Payment links: a reusable page /l/{id} where anyone can ask for an invoice of the merchant's. */
export const LINK_STATUSES = ["active", "disabled"] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export interface PaymentLink {
  readonly id: string;
  readonly merchantId: string;
  readonly status: LinkStatus;
  /** Fixed amount in msat, or null: the visitor chooses (open amount). */
  readonly amountMsat: bigint | null;
  readonly description: string | null;
  readonly successUrl: string | null;
  /** The page, `{origin}/l/{id}`. */
  readonly url: string;
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

/** What a merchant asks for, validated at the edge. */
export interface LinkRequest {
  readonly amountMsat: bigint | null;
  readonly description: string | null;
  readonly successUrl: string | null;
}

/** The invoice a visitor was last handed on a link. */
export interface Visit {
  readonly linkId: string;
  readonly visitor: string;
  readonly invoiceId: string;
  readonly amountMsat: bigint;
  readonly expiresAt: number;
}

/** What a visit decides: hand back the visitor's open invoice, or mint one for this amount. */
export type VisitDecision =
  | { readonly kind: "reuse"; readonly invoiceId: string }
  | { readonly kind: "mint"; readonly amountMsat: bigint };
