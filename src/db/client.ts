import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** The drizzle handle every store module takes; one per request. */
export type Db = ReturnType<typeof openDb>;

/** Opens drizzle over the D1 binding. */
export const openDb = (d1: D1Database) => drizzle(d1, { schema });

/** Runs statements as one D1 batch (one transaction): all apply or none do. */
export async function runBatch(db: Db, statements: readonly BatchItem<"sqlite">[]): Promise<void> {
  if (statements.length === 0) return;
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/**
 * A batch guard: placed right after a guarded UPDATE, it aborts the whole batch when that
 * UPDATE matched no row (`changes() = 0`), through the always-failing CHECK on batch_guard.
 */
export function guardChanged(db: Db, reason: string): BatchItem<"sqlite"> {
  return db.run(sql`INSERT INTO batch_guard (reason) SELECT ${reason} WHERE changes() = 0`);
}

/** True when a D1 error is a guard or constraint abort: the batch changed nothing. */
export function isGuardAbort(error: unknown): boolean {
  const text = `${String(error)} ${String((error as { cause?: unknown } | null)?.cause ?? "")}`;
  return /batch_guard_failed|constraint failed/i.test(text);
}
