/**
 * Webhook endpoint routes, for merchants (/v1/webhook-endpoints) and for the operator
 * (/v1/admin/webhook-endpoints: hub-level events such as channel.*), and the events API.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { getEvent, listEvents } from "../events/store";
import { merchantAuth, merchantId, operatorAuth } from "../http/auth";
import type { AppEnv, Principal } from "../http/context";
import { fail } from "../http/errors";
import { idempotent } from "../http/idempotency";
import {
  bearerSecurity,
  errorResponses,
  IdParam,
  jsonRequest,
  jsonResponse,
  listOf,
  renderList,
} from "../http/schemas";
import { merchantGetRoute, merchantListRoute } from "../http/routes";
import { validationHook } from "../http/validation";
import {
  CreateEndpointBody,
  DeletedEndpointSchema,
  DeliveryListSchema,
  EndpointSchema,
  EndpointWithSecretSchema,
  EventSchema,
  ListEndpointsQuery,
  ListEventsQuery,
  RedeliverBody,
  RotateSecretBody,
  UpdateEndpointBody,
} from "./schemas";
import {
  createEndpoint,
  deleteEndpoint,
  eventDeliveries,
  redeliver,
  rotateSecret,
  updateEndpoint,
} from "./service";
import { getEndpoint, listEndpoints } from "./store";
import { renderEndpoint, renderEndpointWithSecret, renderStoredEvent } from "./view";
import type { OwnerId } from "./webhook";

const optionalJson = <T>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: false },
});

const at = (c: { var: AppEnv["Variables"] }) => ({ nowMs: c.var.clock.nowMs(), random: c.var.random });

/** The endpoints' owner: the calling merchant, or null for the operator. */
function ownerOf(principal: Principal | undefined): OwnerId {
  if (principal === undefined) throw new Error("webhook endpoint route without auth");
  return principal.kind === "merchant" ? principal.merchantId : null;
}

/** The six endpoint routes under `base`, behind the given auth. */
function mountEndpointRoutes(
  app: OpenAPIHono<AppEnv>,
  base: string,
  tag: string,
  read: MiddlewareHandler<AppEnv>,
  write: MiddlewareHandler<AppEnv>,
) {
  const tags = [tag];
  const security = bearerSecurity;
  const create = createRoute({
    method: "post",
    path: base,
    tags,
    summary: "Register a webhook endpoint (its signing secret is shown once)",
    security,
    middleware: [write, idempotent] as const,
    request: jsonRequest(CreateEndpointBody),
    responses: {
      201: jsonResponse(EndpointWithSecretSchema, "The endpoint and its secret"),
      ...errorResponses(400, 401, 403, 409, 413, 422),
    },
  });
  const list = createRoute({
    method: "get",
    path: base,
    tags,
    summary: "List webhook endpoints, newest first",
    security,
    middleware: [read] as const,
    request: { query: ListEndpointsQuery },
    responses: {
      200: jsonResponse(listOf(EndpointSchema, "WebhookEndpointList"), "A page of endpoints"),
      ...errorResponses(400, 401, 403),
    },
  });
  const get = createRoute({
    method: "get",
    path: `${base}/{id}`,
    tags,
    summary: "Retrieve a webhook endpoint",
    security,
    middleware: [read] as const,
    request: { params: IdParam },
    responses: { 200: jsonResponse(EndpointSchema, "The endpoint"), ...errorResponses(401, 403, 404) },
  });
  const update = createRoute({
    method: "patch",
    path: `${base}/{id}`,
    tags,
    summary: "Change a webhook endpoint (URL, event types, description, enabled)",
    security,
    middleware: [write] as const,
    request: { params: IdParam, ...jsonRequest(UpdateEndpointBody) },
    responses: {
      200: jsonResponse(EndpointSchema, "The endpoint"),
      ...errorResponses(400, 401, 403, 404, 413),
    },
  });
  const remove = createRoute({
    method: "delete",
    path: `${base}/{id}`,
    tags,
    summary: "Delete a webhook endpoint (its pending deliveries end)",
    security,
    middleware: [write] as const,
    request: { params: IdParam },
    responses: { 200: jsonResponse(DeletedEndpointSchema, "Deleted"), ...errorResponses(401, 403, 404) },
  });
  const rotate = createRoute({
    method: "post",
    path: `${base}/{id}/rotate-secret`,
    tags,
    summary: "Rotate the signing secret; the old one keeps signing during the overlap",
    security,
    middleware: [write, idempotent] as const,
    request: { params: IdParam, ...optionalJson(RotateSecretBody) },
    responses: {
      200: jsonResponse(EndpointWithSecretSchema, "The endpoint and its new secret"),
      ...errorResponses(400, 401, 403, 404, 413, 422),
    },
  });

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const result = await createEndpoint(
      c.var.db,
      c.var.config.devMode,
      ownerOf(c.var.principal),
      {
        url: body.url,
        eventTypes: body.event_types,
        description: body.description,
        enabled: body.enabled,
      },
      at(c),
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderEndpointWithSecret(result.value), 201);
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listEndpoints(c.var.db, ownerOf(c.var.principal), {
      limit,
      startingAfter: query.starting_after,
    });
    return c.json(renderList(rows, limit, renderEndpoint), 200);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const endpoint = await getEndpoint(c.var.db, ownerOf(c.var.principal), id);
    if (!endpoint) {
      return fail(c, domainError("webhook_endpoint_not_found", `no webhook endpoint '${id}'`, "id")) as never;
    }
    return c.json(renderEndpoint(endpoint), 200);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await updateEndpoint(
      c.var.db,
      c.var.config.devMode,
      ownerOf(c.var.principal),
      id,
      { url: body.url, eventTypes: body.event_types, description: body.description, enabled: body.enabled },
      at(c),
    );
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderEndpoint(result.value), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const result = await deleteEndpoint(c.var.db, ownerOf(c.var.principal), id, at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json({ id: result.value.id, object: "webhook_endpoint" as const, deleted: true as const }, 200);
  });

  app.openapi(rotate, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const overlap = body.overlap_seconds ?? LIMITS.defaultWebhookSecretOverlapSeconds;
    const result = await rotateSecret(c.var.db, ownerOf(c.var.principal), id, overlap, at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(renderEndpointWithSecret(result.value), 200);
  });
}

const eventTags = ["Events"];

const listEventsRoute = merchantListRoute({
  path: "/v1/events",
  tag: "Events",
  scope: "events:read",
  summary: "List your events, newest first",
  item: EventSchema,
  query: ListEventsQuery,
  listName: "EventList",
  plural: "events",
});

const getEventRoute = merchantGetRoute({
  path: "/v1/events/{id}",
  tag: "Events",
  scope: "events:read",
  summary: "Retrieve an event, exactly as webhooks deliver it",
  item: EventSchema,
  noun: "event",
});

const deliveriesRoute = createRoute({
  method: "get",
  path: "/v1/events/{id}/deliveries",
  tags: eventTags,
  summary: "An event's deliveries, one per endpoint, with every attempt",
  security: bearerSecurity,
  middleware: [merchantAuth("webhooks:read")] as const,
  request: { params: IdParam },
  responses: {
    200: jsonResponse(DeliveryListSchema, "The deliveries"),
    ...errorResponses(401, 403, 404),
  },
});

const redeliverRoute = createRoute({
  method: "post",
  path: "/v1/events/{id}/redeliver",
  tags: eventTags,
  summary: "Deliver an event again now (same webhook-id), with a fresh retry schedule",
  security: bearerSecurity,
  middleware: [merchantAuth("webhooks:write"), idempotent] as const,
  request: { params: IdParam, ...optionalJson(RedeliverBody) },
  responses: {
    200: jsonResponse(DeliveryListSchema, "The deliveries, now due"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 422),
  },
});

/** Mounts the merchant and operator endpoint routes and the events API. */
export function webhookRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  mountEndpointRoutes(
    app,
    "/v1/webhook-endpoints",
    "Webhooks",
    merchantAuth("webhooks:read"),
    merchantAuth("webhooks:write"),
  );
  mountEndpointRoutes(app, "/v1/admin/webhook-endpoints", "Operator", operatorAuth, operatorAuth);

  app.openapi(listEventsRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listEvents(c.var.db, merchantId(c.var.principal), {
      type: query.type,
      limit,
      startingAfter: query.starting_after,
    });
    return c.json(renderList(rows, limit, renderStoredEvent), 200);
  });

  app.openapi(getEventRoute, async (c) => {
    const { id } = c.req.valid("param");
    const event = await getEvent(c.var.db, merchantId(c.var.principal), id);
    if (!event) return fail(c, domainError("event_not_found", `no event '${id}'`, "id")) as never;
    return c.json(renderStoredEvent(event), 200);
  });

  app.openapi(deliveriesRoute, async (c) => {
    const { id } = c.req.valid("param");
    const result = await eventDeliveries(c.var.db, merchantId(c.var.principal), id);
    if (!result.ok) return fail(c, result.error) as never;
    return c.json({ object: "list" as const, data: result.value, has_more: false }, 200);
  });

  app.openapi(redeliverRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await redeliver(c.var.db, merchantId(c.var.principal), id, body.endpoint_id, at(c));
    if (!result.ok) return fail(c, result.error) as never;
    return c.json({ object: "list" as const, data: result.value, has_more: false }, 200);
  });

  return app;
}
