/** The widget's state: what the public checkout view says, and what the shopper should see now. */

/** GET /v1/checkout/{id}, as the widget reads it. */
export interface CheckoutView {
  id: string;
  status: "open" | "paid" | "expired" | "canceled";
  merchant_name: string;
  description: string | null;
  amount_msat: number;
  bolt11: string;
  payment_hash: string;
  expires_at: number;
  paid_at: number | null;
  success_url: string | null;
  metadata: Record<string, string>;
  /** The fiat amount: the price ("price") or an estimate at the invoice's locked rate ("rate"). */
  fiat: { currency: string; amount_minor: number; exponent: number; basis: "price" | "rate" } | null;
  server_time: number;
}

export type DisplayStatus =
  | "loading"
  | "open"
  | "paying"
  | "paid"
  | "expired"
  | "canceled"
  | "not_found"
  | "error";

/** The server's word is final once the invoice is no longer open. */
export const isFinal = (status: DisplayStatus): boolean =>
  status === "paid" || status === "expired" || status === "canceled" || status === "not_found";

/**
 * What to show at `nowMs` (already corrected to the server's clock): an open invoice whose time
 * ran out shows expired at once, before the next poll confirms it.
 */
export function displayStatus(view: CheckoutView, nowMs: number, paying: boolean): DisplayStatus {
  if (view.status !== "open") return view.status;
  if (nowMs >= view.expires_at * 1000) return "expired";
  return paying ? "paying" : "open";
}

/** The live-region sentence for each status. */
export const STATUS_TEXT: Record<DisplayStatus, string> = {
  loading: "Loading the invoice…",
  open: "Waiting for payment",
  paying: "Paying with your browser wallet…",
  paid: "Paid. Thank you!",
  expired: "This invoice has expired",
  canceled: "This invoice was canceled",
  not_found: "This invoice does not exist",
  error: "Can't reach the payment server; retrying…",
};

/** The word over the QR code once it must not be scanned any more. */
export const OVERLAY_TEXT: Partial<Record<DisplayStatus, string>> = {
  paid: "Paid",
  expired: "Expired",
  canceled: "Canceled",
  not_found: "Not found",
};
