/** Payment links as the API, events and webhooks render them. */
import { msatToEdge } from "../core/money";
import { minorToEdge, renderPrice } from "../rates/view";
import type { PaymentLink } from "./link";

/** JSON view of a link. */
export function renderLink(link: PaymentLink) {
  return {
    id: link.id,
    object: "payment_link" as const,
    status: link.status,
    amount_msat: link.amountMsat === null ? null : msatToEdge(link.amountMsat),
    price: renderPrice(link.price),
    open_price: link.openPrice
      ? {
          currency: link.openPrice.currency,
          min_amount_minor: minorToEdge(link.openPrice.minAmountMinor),
          max_amount_minor:
            link.openPrice.maxAmountMinor === null ? null : minorToEdge(link.openPrice.maxAmountMinor),
        }
      : null,
    description: link.description,
    success_url: link.successUrl,
    url: link.url,
    created_at: link.createdAt,
    disabled_at: link.disabledAt,
  };
}
