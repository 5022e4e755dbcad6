/** Webhook endpoint and redelivery use cases: load → decide (rules.ts) → one batch (store.ts). */
import { secondsOf, type At } from "../core/clock";
import { domainError, type DomainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { type Db, isGuardAbort, runBatch, type Statement } from "../db/client";
import { getEvent } from "../events/store";
import { deleted, type EndpointInput, newEndpoint, patched, rotated, subscribes } from "./rules";
import { mintSecret } from "./signature";
import {
  attemptsOf,
  countEndpoints,
  deliveriesOf,
  failPendingStatement,
  getEndpoint,
  insertEndpointStatement,
  listEndpoints,
  redeliverStatement,
  updateEndpointStatements,
} from "./store";
import { checkWebhookUrl } from "./url-guard";
import { renderDelivery } from "./view";
import type { OwnerId, WebhookEndpoint } from "./webhook";

const endpointNotFound = (id: string) =>
  domainError("webhook_endpoint_not_found", `no webhook endpoint '${id}'`, "id");
const eventNotFound = (id: string) => domainError("event_not_found", `no event '${id}'`, "id");

/** Registers an endpoint after the URL guard, within the per-owner cap. The secret is in the result, once. */
export async function createEndpoint(
  db: Db,
  devMode: boolean,
  ownerId: OwnerId,
  input: EndpointInput,
  at: At,
): Promise<Result<WebhookEndpoint, DomainError>> {
  const url = checkWebhookUrl(input.url, devMode);
  if (!url.ok) return url;
  if ((await countEndpoints(db, ownerId)) >= LIMITS.maxWebhookEndpoints) {
    return err(
      domainError(
        "webhook_endpoint_limit_reached",
        `at most ${LIMITS.maxWebhookEndpoints} webhook endpoints; delete one first`,
      ),
    );
  }
  const endpoint = newEndpoint(ownerId, input, at);
  await runBatch(db, [insertEndpointStatement(db, endpoint)]);
  return ok(endpoint);
}

/** Writes `from → next`; a disabled endpoint's pending deliveries end in the same batch. */
async function save(
  db: Db,
  from: WebhookEndpoint,
  next: WebhookEndpoint,
  at: At,
): Promise<Result<WebhookEndpoint, DomainError>> {
  const statements: Statement[] = updateEndpointStatements(db, next);
  if (!next.enabled) statements.push(failPendingStatement(db, next.id, secondsOf(at.nowMs)));
  try {
    await runBatch(db, statements);
  } catch (e) {
    if (isGuardAbort(e)) return err(endpointNotFound(from.id));
    throw e;
  }
  return ok(next);
}

/** Loads an owner's endpoint, applies `next` (pure), saves the result. */
async function change(
  db: Db,
  ownerId: OwnerId,
  id: string,
  at: At,
  next: (endpoint: WebhookEndpoint, nowSeconds: number) => WebhookEndpoint,
): Promise<Result<WebhookEndpoint, DomainError>> {
  const endpoint = await getEndpoint(db, ownerId, id);
  if (!endpoint) return err(endpointNotFound(id));
  return save(db, endpoint, next(endpoint, secondsOf(at.nowMs)), at);
}

/** Changes an endpoint's URL (guarded again), filter, description or enabled state. */
export async function updateEndpoint(
  db: Db,
  devMode: boolean,
  ownerId: OwnerId,
  id: string,
  patch: Partial<EndpointInput>,
  at: At,
): Promise<Result<WebhookEndpoint, DomainError>> {
  if (patch.url !== undefined) {
    const url = checkWebhookUrl(patch.url, devMode);
    if (!url.ok) return url;
  }
  return change(db, ownerId, id, at, (endpoint, now) => patched(endpoint, patch, now));
}

/** Deletes an endpoint: it receives nothing more; its delivery history stays readable per event. */
export async function deleteEndpoint(
  db: Db,
  ownerId: OwnerId,
  id: string,
  at: At,
): Promise<Result<WebhookEndpoint, DomainError>> {
  return change(db, ownerId, id, at, deleted);
}

/** A new secret; the old one keeps signing (alongside) for `overlapSeconds`. */
export async function rotateSecret(
  db: Db,
  ownerId: OwnerId,
  id: string,
  overlapSeconds: number,
  at: At,
): Promise<Result<WebhookEndpoint, DomainError>> {
  return change(db, ownerId, id, at, (endpoint, now) =>
    rotated(endpoint, mintSecret(at.random), overlapSeconds, now),
  );
}

/** An event's deliveries with their attempts (bounded), for its owner. */
export async function eventDeliveries(
  db: Db,
  merchantId: string,
  eventId: string,
): Promise<Result<ReturnType<typeof renderDelivery>[], DomainError>> {
  if (!(await getEvent(db, merchantId, eventId))) return err(eventNotFound(eventId));
  const [deliveries, attempts] = await Promise.all([
    deliveriesOf(db, eventId),
    attemptsOf(db, eventId, LIMITS.maxWebhookAttemptsShown),
  ]);
  return ok(deliveries.map((d) => renderDelivery(d, attempts)));
}

/**
 * Starts a new round of delivery for an event, due now (the same webhook-id): to one endpoint,
 * or to every enabled endpoint that subscribes to its type.
 */
export async function redeliver(
  db: Db,
  merchantId: string,
  eventId: string,
  endpointId: string | undefined,
  at: At,
): Promise<Result<ReturnType<typeof renderDelivery>[], DomainError>> {
  const event = await getEvent(db, merchantId, eventId);
  if (!event) return err(eventNotFound(eventId));
  let targets: WebhookEndpoint[];
  if (endpointId !== undefined) {
    const endpoint = await getEndpoint(db, merchantId, endpointId);
    if (!endpoint)
      return err(
        domainError("webhook_endpoint_not_found", `no webhook endpoint '${endpointId}'`, "endpoint_id"),
      );
    if (!endpoint.enabled) {
      return err(
        domainError(
          "webhook_endpoint_disabled",
          "enable the endpoint before redelivering to it",
          "endpoint_id",
        ),
      );
    }
    targets = [endpoint];
  } else {
    const all = await listEndpoints(db, merchantId, { limit: LIMITS.maxWebhookEndpoints });
    targets = all.filter((e) => e.enabled && subscribes(e, event.type));
    if (targets.length === 0) {
      return err(
        domainError("no_webhook_endpoints", `no enabled webhook endpoint subscribes to '${event.type}'`),
      );
    }
  }
  await runBatch(db, [
    redeliverStatement(
      db,
      event,
      targets.map((t) => t.id),
      secondsOf(at.nowMs),
    ),
  ]);
  return eventDeliveries(db, merchantId, eventId);
}
