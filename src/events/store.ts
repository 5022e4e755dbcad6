/** The only module that writes the event outbox. */
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

/** Statement inserting an event; put it in the batch of the change it announces. */
export function insertEventStatement(db: Db, event: OutboxEvent): Statement {
  return statement(db, db.insert(events).values(row(event)));
}

/**
 * Inserts the event only when the statement just before it changed a row: for idempotent
 * transitions (expiry) that several writers may race to make, exactly one announces it.
 */
export function insertEventIfChangedStatement(db: Db, event: OutboxEvent): Statement {
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
