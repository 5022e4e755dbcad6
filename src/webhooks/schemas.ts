/** Webhook endpoint, event and delivery schemas (validation and OpenAPI). */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../core/limits";
import { EVENT_TYPES } from "../events/event";
import { pageQuery } from "../http/schemas";
import { DELIVERY_ERRORS, DELIVERY_STATUSES, DISABLED_REASONS } from "./webhook";

const EventFilterSchema = z.enum([...EVENT_TYPES, "*"]);

const endpointFields = {
  // Length and everything else about the URL is the URL guard's (url-guard.ts), with its own codes.
  url: z.string().min(1).openapi({
    maxLength: LIMITS.maxWebhookUrlChars,
    description: "https URL on a public host (plain http://localhost only in dev mode)",
    example: "https://shop.example/webhooks/sluice",
  }),
  event_types: z
    .array(EventFilterSchema)
    .min(1)
    .max(EVENT_TYPES.length + 1)
    .openapi({ description: 'Event types to receive; ["*"] (the default) for all' }),
  description: z.string().trim().max(LIMITS.maxNameChars).nullable(),
  enabled: z
    .boolean()
    .openapi({ description: "Disabled endpoints receive nothing; enabling one clears why it was disabled" }),
};

export const CreateEndpointBody = z
  .strictObject({
    url: endpointFields.url,
    event_types: endpointFields.event_types.optional(),
    description: endpointFields.description.optional(),
    enabled: endpointFields.enabled.optional(),
  })
  .openapi("CreateWebhookEndpointRequest");

export const UpdateEndpointBody = z
  .strictObject({
    url: endpointFields.url.optional(),
    event_types: endpointFields.event_types.optional(),
    description: endpointFields.description.optional(),
    enabled: endpointFields.enabled.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "give at least one field to change" })
  .openapi("UpdateWebhookEndpointRequest");

export const RotateSecretBody = z
  .strictObject({
    overlap_seconds: z.number().int().min(0).max(LIMITS.maxWebhookSecretOverlapSeconds).optional().openapi({
      description: "How long the old secret keeps signing alongside the new one",
      default: LIMITS.defaultWebhookSecretOverlapSeconds,
    }),
  })
  .openapi("RotateWebhookSecretRequest");

const endpointSchemaFields = {
  id: z.string().openapi({ example: "we_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
  object: z.literal("webhook_endpoint"),
  url: z.string(),
  event_types: z.array(EventFilterSchema),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabled_reason: z
    .enum(DISABLED_REASONS)
    .nullable()
    .openapi({ description: "manual (by you), gone (it answered 410), failing (deliveries kept failing)" }),
  previous_secret_expires_at: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "Until then the previous secret also signs (after a rotation)" }),
  created_at: z.number().int(),
  updated_at: z.number().int(),
};

export const EndpointSchema = z.object(endpointSchemaFields).openapi("WebhookEndpoint");

/** An endpoint with its secret: only in the answer to creation and rotation. */
export const EndpointWithSecretSchema = z
  .object({
    ...endpointSchemaFields,
    secret: z
      .string()
      .openapi({ description: "The signing secret. Shown once, never again.", example: "whsec_…" }),
  })
  .openapi("WebhookEndpointWithSecret");

export const DeletedEndpointSchema = z
  .object({ id: z.string(), object: z.literal("webhook_endpoint"), deleted: z.literal(true) })
  .openapi("DeletedWebhookEndpoint");

export const ListEndpointsQuery = z.strictObject({ ...pageQuery("webhookEndpoint") });

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: "evt_01jfz3k9q8x7w6v5t4s3r2p1n0" }),
    object: z.literal("event"),
    type: z.enum(EVENT_TYPES),
    created_at: z.number().int(),
    data: z.object({
      object: z.record(z.string(), z.unknown()).openapi({ description: "The full object as it was then" }),
    }),
  })
  .openapi("Event");

export const ListEventsQuery = z.strictObject({
  type: z.enum(EVENT_TYPES).optional(),
  ...pageQuery("event"),
});

const AttemptSchema = z
  .object({
    attempt: z.number().int().openapi({ description: "Number of the attempt in its round (1 … 10)" }),
    attempted_at: z.number().int(),
    status_code: z.number().int().nullable().openapi({ description: "null when no response came" }),
    duration_ms: z.number().int(),
    error: z.enum(DELIVERY_ERRORS).nullable(),
  })
  .openapi("WebhookAttempt");

export const DeliverySchema = z
  .object({
    object: z.literal("webhook_delivery"),
    event_id: z.string(),
    endpoint_id: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempt_count: z.number().int().openapi({ description: "Attempts in the current round" }),
    next_attempt_at: z.number().int().nullable(),
    last_attempt_at: z.number().int().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.enum(DELIVERY_ERRORS).nullable(),
    created_at: z.number().int(),
    completed_at: z.number().int().nullable(),
    attempts: z.array(AttemptSchema).openapi({
      description: `Attempts, oldest first (the newest ${LIMITS.maxWebhookAttemptsShown}); never the response body`,
    }),
  })
  .openapi("WebhookDelivery");

export const DeliveryListSchema = z
  .object({ object: z.literal("list"), data: z.array(DeliverySchema), has_more: z.boolean() })
  .openapi("WebhookDeliveryList");

export const RedeliverBody = z
  .strictObject({
    endpoint_id: z.string().min(1).max(64).optional().openapi({
      description:
        "Only to this endpoint (even if it does not subscribe to the type); default: every enabled endpoint that does",
    }),
  })
  .openapi("RedeliverRequest");
