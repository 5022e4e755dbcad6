/** Outbox events: the change they announce, as the full object at that moment. */
export const EVENT_TYPES = [
  "invoice.created",
  "invoice.expired",
  "invoice.canceled",
  "invoice.paid",
  "payment.succeeded",
  "refund.created",
  "channel.opened",
  "channel.closed",
  "payout.pending",
  "payout.broadcast",
  "payout.confirmed",
  "payout.failed",
  "payment_link.created",
  "payment_link.disabled",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  readonly id: string;
  readonly merchantId: string | null;
  readonly type: EventType;
  readonly objectId: string;
  /** One-shot events have one possible row: `<type>:<object id>`. */
  readonly dedupeKey: string;
  readonly createdAt: number;
  readonly object: unknown;
}

/** The event as webhooks and the events API render it. */
export function renderEvent(event: OutboxEvent) {
  return {
    id: event.id,
    object: "event" as const,
    type: event.type,
    created_at: event.createdAt,
    data: { object: event.object },
  };
}
