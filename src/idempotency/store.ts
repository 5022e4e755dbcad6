/** The only module that reads and writes idempotency records. */
import { and, eq, lt, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import type { StoredRequest } from "./rules";

export interface KeyRef {
  readonly scope: string;
  readonly key: string;
}

/** Claims a key for a new request; false when the key already exists. */
export async function claimKey(
  db: Db,
  ref: KeyRef,
  fingerprint: string,
  nowSeconds: number,
  lockSeconds: number,
): Promise<boolean> {
  const result = await db
    .insert(idempotencyKeys)
    .values({
      ...ref,
      fingerprint,
      state: "in_progress",
      createdAt: nowSeconds,
      lockedUntil: nowSeconds + lockSeconds,
    })
    .onConflictDoNothing()
    .run();
  return result.meta.changes === 1;
}

/** The stored request under a key, or null. */
export async function getKey(db: Db, ref: KeyRef): Promise<StoredRequest | null> {
  const row = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, ref.scope), eq(idempotencyKeys.key, ref.key)))
    .get();
  return row ?? null;
}

/** Retakes the lock of a request presumed dead; false when someone else got it first. */
export async function takeOverKey(
  db: Db,
  ref: KeyRef,
  nowSeconds: number,
  lockSeconds: number,
): Promise<boolean> {
  const result = await db
    .update(idempotencyKeys)
    .set({ lockedUntil: nowSeconds + lockSeconds })
    .where(
      and(
        eq(idempotencyKeys.scope, ref.scope),
        eq(idempotencyKeys.key, ref.key),
        eq(idempotencyKeys.state, "in_progress"),
        lte(idempotencyKeys.lockedUntil, nowSeconds),
      ),
    )
    .run();
  return result.meta.changes === 1;
}

/** Records the response to replay for this key. */
export async function completeKey(
  db: Db,
  ref: KeyRef,
  statusCode: number,
  responseBody: string,
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ state: "done", statusCode, responseBody })
    .where(and(eq(idempotencyKeys.scope, ref.scope), eq(idempotencyKeys.key, ref.key)))
    .run();
}

/** Frees a key whose request failed with a server error, so a retry can run it again. */
export async function releaseKey(db: Db, ref: KeyRef): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, ref.scope), eq(idempotencyKeys.key, ref.key)))
    .run();
}

/** Deletes records older than the retention window; returns how many went. */
export async function purgeKeys(db: Db, olderThanSeconds: number, limit: number): Promise<number> {
  const stale = await db
    .select({ scope: idempotencyKeys.scope, key: idempotencyKeys.key })
    .from(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, olderThanSeconds))
    .limit(limit)
    .all();
  for (const ref of stale) await releaseKey(db, ref);
  return stale.length;
}
