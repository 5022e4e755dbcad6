/** Payment links: a reusable page /l/{id} where anyone can ask for an invoice of the merchant's. */
import type { FiatPrice } from "../rates/rate";

export const LINK_STATUSES = ["active", "disabled"] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export interface PaymentLink {
  readonly id: string;
  readonly merchantId: string;
  readonly status: LinkStatus;
  /** Fixed amount in msat, or null: a fiat price, or the visitor chooses (open amount). */
  readonly amountMsat: bigint | null;
  /** Fixed fiat price, converted at each visit's rate (locked on that visit's invoice), or null. */
  readonly price: FiatPrice | null;
  /** Open amount in a fiat currency, within limits, or null (an open link without it is in sats). */
  readonly openPrice: OpenPrice | null;
  readonly description: string | null;
  readonly successUrl: string | null;
  /** The page, `{origin}/l/{id}`. */
  readonly url: string;
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

/** An open amount the visitor types in `currency`, from `minAmountMinor` up to `maxAmountMinor`. */
export interface OpenPrice {
  readonly currency: string;
  readonly minAmountMinor: bigint;
  /** null: up to the hub's largest invoice a link mints (the largest channel), after conversion. */
  readonly maxAmountMinor: bigint | null;
}

/** What a merchant asks for, validated at the edge: at most one of amountMsat, price, openPrice. */
export interface LinkRequest {
  readonly amountMsat: bigint | null;
  readonly price: FiatPrice | null;
  readonly openPrice: OpenPrice | null;
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

/** What one visit asks to pay: msat, or a fiat price converted at the visit's rate. */
export type VisitAsk =
  | { readonly kind: "msat"; readonly amountMsat: bigint }
  | { readonly kind: "price"; readonly price: FiatPrice };

/** The visitor's previous invoice on a link, as the reuse decision needs it. */
export interface PreviousInvoice {
  readonly id: string;
  readonly amountMsat: bigint;
  readonly price: FiatPrice | null;
  readonly expiresAt: number;
  readonly open: boolean;
}

/** What a visit decides: hand back the visitor's open invoice, or mint one for this ask. */
export type VisitDecision =
  | { readonly kind: "reuse"; readonly invoiceId: string }
  | { readonly kind: "mint"; readonly ask: VisitAsk };
