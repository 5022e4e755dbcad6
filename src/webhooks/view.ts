/** Webhook endpoints, events and deliveries as the API renders them; secrets only when asked. */
import type { StoredEvent } from "../events/store";
import type { Attempt, Delivery, DELIVERY_ERRORS, WebhookEndpoint } from "./webhook";

type DeliveryError = (typeof DELIVERY_ERRORS)[number];

/** An endpoint without its secrets. */
export const renderEndpoint = (endpoint: WebhookEndpoint) => ({
  id: endpoint.id,
  object: "webhook_endpoint" as const,
  url: endpoint.url,
  event_types: [...endpoint.eventTypes],
  description: endpoint.description,
  enabled: endpoint.enabled,
  disabled_reason: endpoint.disabledReason,
  previous_secret_expires_at: endpoint.previousSecretExpiresAt,
  created_at: endpoint.createdAt,
  updated_at: endpoint.updatedAt,
});

/** An endpoint with its current secret: the answer to creation and rotation, and nothing else. */
export const renderEndpointWithSecret = (endpoint: WebhookEndpoint) => ({
  ...renderEndpoint(endpoint),
  secret: endpoint.secret,
});

/** An event exactly as webhooks deliver it (the stored body). */
export const renderStoredEvent = (event: StoredEvent) => JSON.parse(event.data);

/** A delivery and its attempts (already bounded by the store). */
export function renderDelivery(delivery: Delivery, attempts: readonly Attempt[]) {
  return {
    object: "webhook_delivery" as const,
    event_id: delivery.eventId,
    endpoint_id: delivery.endpointId,
    status: delivery.status,
    attempt_count: delivery.attempts,
    next_attempt_at: delivery.status === "pending" ? delivery.nextAttemptAt : null,
    last_attempt_at: delivery.lastAttemptAt,
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError as DeliveryError | null,
    created_at: delivery.createdAt,
    completed_at: delivery.completedAt,
    attempts: attempts
      .filter((a) => a.endpointId === delivery.endpointId)
      .map((a) => ({
        attempt: a.attempt,
        attempted_at: a.attemptedAt,
        status_code: a.statusCode,
        duration_ms: a.durationMs,
        error: a.error as DeliveryError | null,
      })),
  };
}
