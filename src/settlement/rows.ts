/** Reading D1 rows of the settlement tables: the raw rows and the casts their columns need. */
import type { Db } from "../db/client";

export type Raw = Record<string, unknown>;
export const n = (v: unknown) => v as number;
export const s = (v: unknown) => v as string;
export const maybe = <T>(v: unknown) => (v ?? null) as T | null;

/** The rows a query returns. */
export const all = async (db: Db, sql: string, ...params: unknown[]) =>
  (
    await db.$client
      .prepare(sql)
      .bind(...params)
      .all<Raw>()
  ).results;
