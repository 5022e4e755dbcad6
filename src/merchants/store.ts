/** The only module that reads and writes merchants and API keys. */
import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import { type Db, rawStatement, type Statement, statement } from "../db/client";
import { apiKeys, merchants } from "../db/schema";
import type { MerchantFiat } from "../rates/rate";
import type { ApiKey, Merchant, Scope } from "./merchant";

const toApiKey = (row: typeof apiKeys.$inferSelect): ApiKey => ({
  ...row,
  scopes: JSON.parse(row.scopes) as Scope[],
});

/** Statements that create a merchant with its first key (one batch). */
export function createMerchantStatements(db: Db, merchant: Merchant, key: ApiKey): Statement[] {
  return [statement(db, db.insert(merchants).values(merchant)), insertApiKeyStatement(db, key)];
}

/** Statement inserting an API key row. */
export function insertApiKeyStatement(db: Db, key: ApiKey): Statement {
  return statement(db, db.insert(apiKeys).values({ ...key, scopes: JSON.stringify(key.scopes) }));
}

/** A merchant by id, or null. */
export async function getMerchant(db: Db, id: string): Promise<Merchant | null> {
  const row = await db.select().from(merchants).where(eq(merchants.id, id)).get();
  return row ?? null;
}

/**
 * Active (unrevoked) keys whose lookup prefix matches (usually one), with their merchant's fiat
 * settings: invoice creation needs them, and joining here costs no extra round trip.
 */
export async function activeKeysByPrefix(
  db: Db,
  prefix: string,
): Promise<(ApiKey & { fiat: MerchantFiat })[]> {
  const rows = await db
    .select({ key: apiKeys, displayCurrency: merchants.displayCurrency, spreadPpm: merchants.rateSpreadPpm })
    .from(apiKeys)
    .innerJoin(merchants, eq(merchants.id, apiKeys.merchantId))
    .where(and(eq(apiKeys.prefix, prefix), isNull(apiKeys.revokedAt)))
    .all();
  return rows.map((r) => ({
    ...toApiKey(r.key),
    fiat: { displayCurrency: r.displayCurrency, spreadPpm: r.spreadPpm },
  }));
}

/**
 * A batch guard for a write made on a key read earlier (another request, or this one): aborts the
 * batch unless the key is still unrevoked and its merchant's fiat settings are still `fiat`, so a
 * revocation or a settings change takes effect on the very next write.
 */
export function keyUnchangedStatement(db: Db, keyId: string, fiat: MerchantFiat): Statement {
  return rawStatement(
    db,
    `INSERT INTO batch_guard (reason) SELECT 'api_key_changed' WHERE NOT EXISTS (
       SELECT 1 FROM api_keys k JOIN merchants m ON m.id = k.merchant_id
       WHERE k.id = ? AND k.revoked_at IS NULL AND m.display_currency IS ? AND m.rate_spread_ppm = ?)`,
    keyId,
    fiat.displayCurrency,
    fiat.spreadPpm,
  );
}

/** A merchant's keys, newest first, one page. */
export async function listApiKeys(
  db: Db,
  merchantId: string,
  page: { limit: number; startingAfter: string | undefined },
): Promise<ApiKey[]> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.merchantId, merchantId),
        page.startingAfter ? lt(apiKeys.id, page.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(apiKeys.id))
    .limit(page.limit + 1)
    .all();
  return rows.map(toApiKey);
}

/** How many unrevoked keys a merchant holds. */
export async function countActiveKeys(db: Db, merchantId: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(apiKeys)
    .where(and(eq(apiKeys.merchantId, merchantId), isNull(apiKeys.revokedAt)))
    .get();
  return row?.n ?? 0;
}

/** One of a merchant's keys, or null (another merchant's key is not found). */
export async function getApiKey(db: Db, merchantId: string, id: string): Promise<ApiKey | null> {
  const row = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.merchantId, merchantId)))
    .get();
  return row ? toApiKey(row) : null;
}

/** Revokes a key; revoking a revoked key keeps its first revocation time. */
export async function revokeApiKey(
  db: Db,
  merchantId: string,
  id: string,
  nowSeconds: number,
): Promise<void> {
  await db
    .update(apiKeys)
    .set({ revokedAt: nowSeconds })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.merchantId, merchantId), isNull(apiKeys.revokedAt)))
    .run();
}

/** Updates a merchant's name or fee overrides; returns the merchant after, or null if unknown. */
export async function updateMerchant(
  db: Db,
  id: string,
  changes: {
    name?: string;
    feeBaseMsat?: number | null;
    feePpm?: number | null;
    payoutScriptPubkey?: string | null;
    payoutThresholdMsat?: number | null;
    displayCurrency?: string | null;
    rateSpreadPpm?: number;
  },
): Promise<Merchant | null> {
  if (Object.keys(changes).length > 0)
    await db.update(merchants).set(changes).where(eq(merchants.id, id)).run();
  return getMerchant(db, id);
}
