/** Webhook endpoints, deliveries and attempts (DESIGN.md §9). */
import type { EventType } from "../events/event";

/** An endpoint subscribes to event types, or to all of them with "*". */
export type EventFilter = EventType | "*";

export const DISABLED_REASONS = ["manual", "gone", "failing"] as const;
/** Why an endpoint stopped receiving: its owner, a 410 answer, or too many exhausted deliveries. */
export type DisabledReason = (typeof DISABLED_REASONS)[number];

export interface WebhookEndpoint {
  readonly id: string;
  /** null for an operator endpoint: it receives the hub-level events (channel.*). */
  readonly merchantId: string | null;
  readonly url: string;
  readonly description: string | null;
  readonly eventTypes: readonly EventFilter[];
  readonly enabled: boolean;
  readonly disabledReason: DisabledReason | null;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: number | null;
  readonly failedDeliveries: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly deletedAt: number | null;
}

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Why an attempt failed, as a stable code; never the receiver's response body. */
export type AttemptError =
  | "timeout"
  | "connection_error"
  | "non_2xx_status"
  | "redirect_not_followed"
  | "url_not_allowed"
  | "endpoint_gone";

/** Why a delivery stopped: its last attempt's error, or its endpoint was disabled or deleted. */
export const DELIVERY_ERRORS = [
  "timeout",
  "connection_error",
  "non_2xx_status",
  "redirect_not_followed",
  "url_not_allowed",
  "endpoint_gone",
  "endpoint_disabled",
] as const satisfies readonly (AttemptError | "endpoint_disabled")[];

/** Where one event stands with one endpoint. */
export interface Delivery {
  readonly eventId: string;
  readonly endpointId: string;
  readonly merchantId: string | null;
  readonly status: DeliveryStatus;
  /** Attempts made in the current round; a redelivery starts a new round. */
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly completedAt: number | null;
}

export interface Attempt {
  readonly seq: number;
  readonly eventId: string;
  readonly endpointId: string;
  readonly attempt: number;
  readonly attemptedAt: number;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/** Who owns endpoints: a merchant, or the operator (null). */
export type OwnerId = string | null;
