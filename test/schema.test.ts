import { env } from "cloudflare:test";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as schema from "../src/db/schema";

/**
 * Tables that stores write with raw SQL only, so src/db/schema.ts does not mirror them. A new table
 * must either be mirrored there (and match, below) or be named here with its owner.
 */
const RAW_SQL_TABLES: Readonly<Record<string, string>> = {
  batch_guard: "db/client.ts",
  journal_entries: "ledger/store.ts",
  ledger_balances: "ledger/store.ts",
  hub_state: "settlement/settlements-store.ts (lease), channels and payments stores (chain tip)",
  hub_utxos: "settlement/coins-store.ts",
  settlements: "settlement/settlements-store.ts",
  settlement_txs: "settlement/settlements-store.ts",
  settlement_tx_versions: "settlement/settlements-store.ts",
  payouts: "settlement/payouts-store.ts",
  settlement_leaves: "settlement/settlements-store.ts",
  webhook_attempts: "webhooks/store.ts",
  rate_quotes: "rates/store.ts",
  rate_history: "rates/store.ts",
};

interface Column {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
}

const mirrored = Object.values(schema).map((table) => getTableConfig(table as SQLiteTable));

const migratedTables = async (): Promise<string[]> =>
  (
    await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
    ).all<{ name: string }>()
  ).results.map((row) => row.name);

const migratedColumns = async (table: string): Promise<Column[]> =>
  (
    await env.DB.prepare(`PRAGMA table_info(${table})`).all<{
      name: string;
      type: string;
      notnull: number;
      pk: number;
    }>()
  ).results
    // SQLite lets a non-integer PRIMARY KEY column hold NULL unless it says NOT NULL; drizzle's
    // primaryKey() implies NOT NULL, so a key column's nullability is not compared.
    .map((c) => ({
      name: c.name,
      type: c.type.toUpperCase(),
      notNull: c.pk > 0 || c.notnull === 1,
      primaryKey: c.pk > 0,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

const mirroredColumns = (config: ReturnType<typeof getTableConfig>): Column[] => {
  const composite = new Set(config.primaryKeys.flatMap((key) => key.columns.map((c) => c.name)));
  return config.columns
    .map((c) => {
      const primaryKey = c.primary || composite.has(c.name);
      return {
        name: c.name,
        type: c.getSQLType().toUpperCase(),
        notNull: primaryKey || c.notNull,
        primaryKey,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
};

describe("src/db/schema.ts follows the migrations", () => {
  it("every migrated table is either mirrored in db/schema.ts or named as raw-SQL only, and not both", async () => {
    const names = mirrored.map((t) => t.name);
    const tables = await migratedTables();
    expect(names.filter((n) => n in RAW_SQL_TABLES)).toEqual([]);
    expect([...names, ...Object.keys(RAW_SQL_TABLES)].sort()).toEqual(tables);
  });

  for (const config of mirrored) {
    it(`${config.name}: the same columns, types, NOT NULL and primary key as the migrated table`, async () => {
      expect(mirroredColumns(config)).toEqual(await migratedColumns(config.name));
    });
  }
});
