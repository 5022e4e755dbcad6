/** The only module that writes the event outbox (and reads it for the events API). */
import { and, desc, eq, lt } from "drizzle-orm";
import { type Db, rawStatement, type Statement, statement } from "../db/client";
import { events } from "../db/schema";
import { type OutboxEvent, renderEvent } from "./event";

const row = (event: OutboxEvent) => ({
  id: event.id,
  merchantId: event.merchantId,
  type: event.type,
  objectId: event.objectId,
  dedupeKey: event.dedupeKey,
  createdAt: event.createdAt,
  data: JSON.stringify(renderEvent(event)),
});

/** Handles (one per request) on which outbox writes were prepared. */
const written = new WeakSet<Db>();

/** Notes that deliveries may be due through this handle: an event or a redelivery was prepared. */
export const markOutboxWrite = (db: Db): void => {
  written.add(db);
};

/**
 * Whether this request's handle prepared outbox writes (even if their batch then aborted), so the
 * request is worth following with an immediate delivery attempt; cheap, and never a false "no".
 */
export const outboxWritten = (db: Db): boolean => written.has(db);

/** Statement inserting an event; put it in the batch of the change it announces. */
export function insertEventStatement(db: Db, event: OutboxEvent): Statement {
  markOutboxWrite(db);
  return statement(db, db.insert(events).values(row(event)));
}

/**
 * Inserts the event only when the statement just before it changed a row: for idempotent
 * transitions (expiry) that several writers may race to make, exactly one announces it.
 */
export function insertEventIfChangedStatement(db: Db, event: OutboxEvent): Statement {
  markOutboxWrite(db);
  const r = row(event);
  return rawStatement(
    db,
    `INSERT INTO events (id, merchant_id, type, object_id, dedupe_key, created_at, data)
     SELECT ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1`,
    r.id,
    r.merchantId,
    r.type,
    r.objectId,
    r.dedupeKey,
    r.createdAt,
    r.data,
  );
}

/** An event as stored: its owner and the rendered JSON that webhooks send byte for byte. */
export interface StoredEvent {
  readonly id: string;
  readonly merchantId: string | null;
  readonly type: string;
  readonly createdAt: number;
  readonly data: string;
}

const storedColumns = {
  id: events.id,
  merchantId: events.merchantId,
  type: events.type,
  createdAt: events.createdAt,
  data: events.data,
};

/** A merchant's event by id, or null (another merchant's event is not found). */
export async function getEvent(db: Db, merchantId: string, id: string): Promise<StoredEvent | null> {
  const row = await db
    .select(storedColumns)
    .from(events)
    .where(and(eq(events.id, id), eq(events.merchantId, merchantId)))
    .get();
  return row ?? null;
}

/** One page of a merchant's events, newest first, optionally of one type; up to limit + 1 rows. */
export async function listEvents(
  db: Db,
  merchantId: string,
  query: { type: string | undefined; limit: number; startingAfter: string | undefined },
): Promise<StoredEvent[]> {
  return db
    .select(storedColumns)
    .from(events)
    .where(
      and(
        eq(events.merchantId, merchantId),
        query.type ? eq(events.type, query.type) : undefined,
        query.startingAfter ? lt(events.id, query.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(events.id))
    .limit(query.limit + 1)
    .all();
}
