/** The only module that reads and writes webhook endpoints, deliveries and attempts. */
import { and, count, desc, eq, isNull, lt, type SQL } from "drizzle-orm";
import { type Db, guardChanged, rawStatement, type Statement, statement } from "../db/client";
import { webhookDeliveries, webhookEndpoints } from "../db/schema";
import { markOutboxWrite } from "../events/store";
import type { AttemptOutcome, NextStep } from "./rules";
import type { Attempt, Delivery, EventFilter, OwnerId, WebhookEndpoint } from "./webhook";

type EndpointRow = typeof webhookEndpoints.$inferSelect;

const fromRow = (row: EndpointRow): WebhookEndpoint => ({
  ...row,
  eventTypes: JSON.parse(row.eventTypes) as EventFilter[],
});

const toRow = (endpoint: WebhookEndpoint): EndpointRow => ({
  ...endpoint,
  eventTypes: JSON.stringify(endpoint.eventTypes),
});

const ownedBy = (ownerId: OwnerId): SQL =>
  ownerId === null ? isNull(webhookEndpoints.merchantId) : eq(webhookEndpoints.merchantId, ownerId);

const live = (ownerId: OwnerId) => and(ownedBy(ownerId), isNull(webhookEndpoints.deletedAt));

/** Statement inserting a new endpoint. */
export const insertEndpointStatement = (db: Db, endpoint: WebhookEndpoint): Statement =>
  statement(db, db.insert(webhookEndpoints).values(toRow(endpoint)));

/** An owner's endpoint that is not deleted, or null (another owner's endpoint is not found). */
export async function getEndpoint(db: Db, ownerId: OwnerId, id: string): Promise<WebhookEndpoint | null> {
  const row = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), live(ownerId)))
    .get();
  return row ? fromRow(row) : null;
}

/** An owner's endpoints, newest first; up to limit + 1 rows to tell has_more. */
export async function listEndpoints(
  db: Db,
  ownerId: OwnerId,
  page: { limit: number; startingAfter?: string | undefined },
): Promise<WebhookEndpoint[]> {
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(and(live(ownerId), page.startingAfter ? lt(webhookEndpoints.id, page.startingAfter) : undefined))
    .orderBy(desc(webhookEndpoints.id))
    .limit(page.limit + 1)
    .all();
  return rows.map(fromRow);
}

/** How many endpoints an owner holds (deleted ones do not count). */
export async function countEndpoints(db: Db, ownerId: OwnerId): Promise<number> {
  const row = await db.select({ n: count() }).from(webhookEndpoints).where(live(ownerId)).get();
  return row?.n ?? 0;
}

/** Guarded: writes an endpoint's new state, aborting the batch if it was deleted meanwhile. */
export function updateEndpointStatements(db: Db, next: WebhookEndpoint): Statement[] {
  const { id, merchantId, createdAt, ...fields } = toRow(next);
  return [
    statement(
      db,
      db
        .update(webhookEndpoints)
        .set(fields)
        .where(and(eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt))),
    ),
    guardChanged(db, "webhook_endpoint_changed"),
  ];
}

/** Ends every pending delivery of an endpoint that is no longer enabled (redeliver to resume them). */
export const failPendingStatement = (db: Db, endpointId: string, nowSeconds: number): Statement =>
  rawStatement(
    db,
    `UPDATE webhook_deliveries
     SET status = 'failed', next_attempt_at = NULL, completed_at = ?, last_error = 'endpoint_disabled'
     WHERE endpoint_id = ? AND status = 'pending'
       AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ? AND enabled = 0)`,
    nowSeconds,
    endpointId,
    endpointId,
  );

/** A delivery taken for one attempt: the event's stored body and its endpoint, as they are now. */
export interface DeliveryJob {
  readonly eventId: string;
  readonly endpointId: string;
  /** The number of this attempt in its round; the result is recorded only if that still holds. */
  readonly attempt: number;
  readonly body: string;
  readonly endpoint: Pick<
    WebhookEndpoint,
    "url" | "enabled" | "secret" | "previousSecret" | "previousSecretExpiresAt"
  >;
}

/**
 * Claims due deliveries atomically (one UPDATE … RETURNING): each gets its attempt counted and a
 * lease, so overlapping claimers never send the same one at once. Endpoints are taken round-robin
 * (rank within the endpoint first), at most `perEndpoint` each; `freshOnly` takes first attempts only.
 */
export async function claimDue(
  db: Db,
  nowSeconds: number,
  bounds: { limit: number; perEndpoint: number; freshOnly: boolean; leaseSeconds: number },
): Promise<DeliveryJob[]> {
  const claimed = await db.$client
    .prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?
       WHERE rowid IN (
         SELECT rid FROM (
           SELECT rowid AS rid, next_attempt_at AS due,
             ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, event_id) AS rank
           FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= ? AND (? = 0 OR attempts = 0)
         ) WHERE rank <= ? ORDER BY rank, due LIMIT ?
       )
       RETURNING rowid AS rid, attempts`,
    )
    .bind(
      nowSeconds + bounds.leaseSeconds,
      nowSeconds,
      bounds.freshOnly ? 1 : 0,
      bounds.perEndpoint,
      bounds.limit,
    )
    .all<{ rid: number; attempts: number }>();
  if (claimed.results.length === 0) return [];
  const attempts = new Map(claimed.results.map((r) => [r.rid, r.attempts]));
  const rows = await db.$client
    .prepare(
      `SELECT d.rowid AS rid, d.event_id, d.endpoint_id, ev.data, ep.url, ep.enabled, ep.secret,
         ep.previous_secret, ep.previous_secret_expires_at
       FROM webhook_deliveries d
       JOIN events ev ON ev.id = d.event_id
       JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
       WHERE d.rowid IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify([...attempts.keys()]))
    .all<{
      rid: number;
      event_id: string;
      endpoint_id: string;
      data: string;
      url: string;
      enabled: number;
      secret: string;
      previous_secret: string | null;
      previous_secret_expires_at: number | null;
    }>();
  return rows.results.map((r) => ({
    eventId: r.event_id,
    endpointId: r.endpoint_id,
    attempt: attempts.get(r.rid)!,
    body: r.data,
    endpoint: {
      url: r.url,
      enabled: r.enabled === 1,
      secret: r.secret,
      previousSecret: r.previous_secret,
      previousSecretExpiresAt: r.previous_secret_expires_at,
    },
  }));
}

/** Gives a claimed delivery back unattempted (its endpoint stalled in this run): due again now. */
export const releaseStatement = (db: Db, job: DeliveryJob, nowSeconds: number): Statement =>
  rawStatement(
    db,
    `UPDATE webhook_deliveries SET attempts = attempts - 1, next_attempt_at = ?
     WHERE event_id = ? AND endpoint_id = ? AND status = 'pending' AND attempts = ?`,
    nowSeconds,
    job.eventId,
    job.endpointId,
    job.attempt,
  );

/**
 * One attempt's result, as one batch: the delivery's next state (guarded on still being this
 * attempt of a pending delivery, so a stale or duplicate result changes nothing), the attempt log
 * row, and the endpoint's consequences (a success resets its failure count; an exhausted delivery
 * counts towards disabling it; 410 disables it; a disabled endpoint's pending deliveries end).
 */
export function recordAttemptStatements(
  db: Db,
  job: DeliveryJob,
  outcome: AttemptOutcome,
  step: NextStep,
  at: { nowSeconds: number; durationMs: number; failuresToDisable: number },
): Statement[] {
  const status = step.kind === "retry" ? "pending" : step.kind;
  const error = outcome.ok ? null : outcome.error;
  const statements = [
    rawStatement(
      db,
      `UPDATE webhook_deliveries
       SET status = ?, next_attempt_at = ?, completed_at = ?, last_attempt_at = ?, last_status_code = ?, last_error = ?
       WHERE event_id = ? AND endpoint_id = ? AND status = 'pending' AND attempts = ?`,
      status,
      step.kind === "retry" ? step.nextAttemptAt : null,
      step.kind === "retry" ? null : at.nowSeconds,
      at.nowSeconds,
      outcome.statusCode,
      error,
      job.eventId,
      job.endpointId,
      job.attempt,
    ),
    rawStatement(
      db,
      `INSERT INTO webhook_attempts (event_id, endpoint_id, attempt, attempted_at, status_code, duration_ms, error)
       SELECT ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1`,
      job.eventId,
      job.endpointId,
      job.attempt,
      at.nowSeconds,
      outcome.statusCode,
      at.durationMs,
      error,
    ),
  ];
  if (step.kind === "succeeded") {
    statements.push(
      rawStatement(
        db,
        "UPDATE webhook_endpoints SET failed_deliveries = 0 WHERE id = ? AND failed_deliveries > 0 AND changes() = 1",
        job.endpointId,
      ),
    );
  } else if (step.kind === "failed") {
    statements.push(
      step.disable === "gone"
        ? rawStatement(
            db,
            `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'gone', updated_at = ?
             WHERE id = ? AND enabled = 1 AND changes() = 1`,
            at.nowSeconds,
            job.endpointId,
          )
        : rawStatement(
            db,
            `UPDATE webhook_endpoints
             SET failed_deliveries = failed_deliveries + 1,
               enabled = CASE WHEN failed_deliveries + 1 >= ? THEN 0 ELSE enabled END,
               disabled_reason = CASE WHEN failed_deliveries + 1 >= ? THEN 'failing' ELSE disabled_reason END,
               updated_at = ?
             WHERE id = ? AND enabled = 1 AND changes() = 1`,
            at.failuresToDisable,
            at.failuresToDisable,
            at.nowSeconds,
            job.endpointId,
          ),
      failPendingStatement(db, job.endpointId, at.nowSeconds),
    );
  }
  return statements;
}

/**
 * (Re)starts delivery of an event to the given endpoints: a new round, due now. The webhook-id
 * stays the event id, so receivers that already have it can drop the duplicate.
 */
export function redeliverStatement(
  db: Db,
  event: { id: string; merchantId: string | null },
  endpointIds: readonly string[],
  nowSeconds: number,
): Statement {
  markOutboxWrite(db);
  return rawStatement(
    db,
    `INSERT INTO webhook_deliveries (event_id, endpoint_id, merchant_id, status, attempts, next_attempt_at, created_at)
     SELECT ?, e.id, ?, 'pending', 0, ?, ? FROM webhook_endpoints e
     WHERE e.id IN (SELECT value FROM json_each(?)) AND e.enabled = 1
     ON CONFLICT (event_id, endpoint_id) DO UPDATE
     SET status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, completed_at = NULL`,
    event.id,
    event.merchantId,
    nowSeconds,
    nowSeconds,
    JSON.stringify(endpointIds),
  );
}

/** Every delivery of one event, oldest endpoint first. */
export async function deliveriesOf(db: Db, eventId: string): Promise<Delivery[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.eventId, eventId))
    .orderBy(webhookDeliveries.endpointId)
    .all();
}

/** The newest `perDelivery` attempts of each delivery of one event, in the order they were made. */
export async function attemptsOf(db: Db, eventId: string, perDelivery: number): Promise<Attempt[]> {
  const rows = await db.$client
    .prepare(
      `SELECT seq, event_id, endpoint_id, attempt, attempted_at, status_code, duration_ms, error FROM (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY seq DESC) AS newest
         FROM webhook_attempts WHERE event_id = ?
       ) WHERE newest <= ? ORDER BY seq`,
    )
    .bind(eventId, perDelivery)
    .all<{
      seq: number;
      event_id: string;
      endpoint_id: string;
      attempt: number;
      attempted_at: number;
      status_code: number | null;
      duration_ms: number;
      error: string | null;
    }>();
  return rows.results.map((r) => ({
    seq: r.seq,
    eventId: r.event_id,
    endpointId: r.endpoint_id,
    attempt: r.attempt,
    attemptedAt: r.attempted_at,
    statusCode: r.status_code,
    durationMs: r.duration_ms,
    error: r.error,
  }));
}
