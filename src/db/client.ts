import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** The drizzle handle every store module takes; one per request. */
export type Db = ReturnType<typeof openDb>;

/** Opens drizzle over the D1 binding. */
export const openDb = (d1: D1Database) => drizzle(d1, { schema });

/** One statement of a D1 batch. Built from drizzle queries (`statement`) or raw SQL (`rawStatement`). */
export type Statement = D1PreparedStatement;

/**
 * A drizzle query as a D1 statement. (drizzle's own batch() cannot take raw SQL with
 * parameters, which batch guards need, so batches are run on D1 directly.)
 */
export function statement(db: Db, query: { toSQL(): { sql: string; params: unknown[] } }): Statement {
  const { sql, params } = query.toSQL();
  return db.$client.prepare(sql).bind(...params);
}

/** A raw SQL statement with positional parameters. */
export const rawStatement = (db: Db, sql: string, ...params: unknown[]): Statement =>
  db.$client.prepare(sql).bind(...params);

/** Runs statements as one D1 batch (one transaction): all apply or none do. */
export async function runBatch(db: Db, statements: readonly Statement[]): Promise<void> {
  if (statements.length === 0) return;
  await db.$client.batch([...statements]);
}

/**
 * A batch guard: placed right after a guarded UPDATE, it aborts the whole batch when that
 * UPDATE matched no row (`changes() = 0`), through the always-failing CHECK on batch_guard.
 */
export const guardChanged = (db: Db, reason: string): Statement =>
  rawStatement(db, "INSERT INTO batch_guard (reason) SELECT ? WHERE changes() = 0", reason);

/** True when a D1 error is a guard or constraint abort: the batch changed nothing. */
export function isGuardAbort(error: unknown): boolean {
  const text = `${String(error)} ${String((error as { cause?: unknown } | null)?.cause ?? "")}`;
  return /batch_guard_failed|constraint failed/i.test(text);
}
