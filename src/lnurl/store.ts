/** The only module that reads and writes Lightning Addresses. */
import { and, count, desc, eq, lt } from "drizzle-orm";
import { type Db, guardChanged, type Statement, statement } from "../db/client";
import { lightningAddresses } from "../db/schema";
import type { LightningAddress } from "./address";

type Row = typeof lightningAddresses.$inferSelect;

const fromRow = (row: Row): LightningAddress => ({
  ...row,
  minSendableMsat: BigInt(row.minSendableMsat),
  maxSendableMsat: BigInt(row.maxSendableMsat),
});

/** Statement inserting a claimed address; the UNIQUE name aborts the batch when someone holds it. */
export function insertAddressStatement(db: Db, address: LightningAddress): Statement {
  return statement(
    db,
    db.insert(lightningAddresses).values({
      ...address,
      minSendableMsat: Number(address.minSendableMsat),
      maxSendableMsat: Number(address.maxSendableMsat),
    }),
  );
}

/** The address holding `name` (any merchant, any status), or null. */
export async function addressByName(db: Db, name: string): Promise<LightningAddress | null> {
  const row = await db.select().from(lightningAddresses).where(eq(lightningAddresses.name, name)).get();
  return row ? fromRow(row) : null;
}

/** A merchant's address by id, or null (another merchant's is not found). */
export async function getAddress(db: Db, merchantId: string, id: string): Promise<LightningAddress | null> {
  const row = await db
    .select()
    .from(lightningAddresses)
    .where(and(eq(lightningAddresses.id, id), eq(lightningAddresses.merchantId, merchantId)))
    .get();
  return row ? fromRow(row) : null;
}

/** How many names a merchant holds, disabled ones included (they stay its own). */
export async function countAddresses(db: Db, merchantId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(lightningAddresses)
    .where(eq(lightningAddresses.merchantId, merchantId))
    .get();
  return row?.n ?? 0;
}

/** One page of a merchant's addresses, newest first; up to limit + 1 rows to tell has_more. */
export async function listAddresses(
  db: Db,
  merchantId: string,
  query: { limit: number; startingAfter: string | undefined },
): Promise<LightningAddress[]> {
  const rows = await db
    .select()
    .from(lightningAddresses)
    .where(
      and(
        eq(lightningAddresses.merchantId, merchantId),
        query.startingAfter ? lt(lightningAddresses.id, query.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(lightningAddresses.id))
    .limit(query.limit + 1)
    .all();
  return rows.map(fromRow);
}

/** Guarded: disables the address only while it is active, else aborts the batch. */
export function disableStatements(db: Db, address: LightningAddress): Statement[] {
  return [
    statement(
      db,
      db
        .update(lightningAddresses)
        .set({ status: "disabled", disabledAt: address.disabledAt })
        .where(and(eq(lightningAddresses.id, address.id), eq(lightningAddresses.status, "active"))),
    ),
    guardChanged(db, "lightning_address_not_active"),
  ];
}
