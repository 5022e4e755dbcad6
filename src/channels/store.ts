/** The only module that reads and writes channels. */
import { and, asc, eq, inArray } from "drizzle-orm";
import { type Db, guardChanged, rawStatement, type Statement, statement } from "../db/client";
import { channels } from "../db/schema";
import type { Channel, ChannelStatus } from "./channel";

type Row = typeof channels.$inferSelect;

/** A channels row as the domain type (also for reads batched by other use cases). */
export const fromRow = (row: Row): Channel => ({
  ...row,
  status: row.status as ChannelStatus,
  capacitySat: BigInt(row.capacitySat),
  payerBalanceMsat: BigInt(row.payerBalanceMsat),
});

const toRow = (c: Channel) => ({
  ...c,
  capacitySat: Number(c.capacitySat),
  payerBalanceMsat: Number(c.payerBalanceMsat),
});

/** Statement inserting a new channel offer. */
export const insertChannelStatement = (db: Db, channel: Channel): Statement =>
  statement(db, db.insert(channels).values(toRow(channel)));

/** A channel by id, or null. */
export async function getChannel(db: Db, id: string): Promise<Channel | null> {
  const row = await db.select().from(channels).where(eq(channels.id, id)).get();
  return row ? fromRow(row) : null;
}

/** The channel funded by an outpoint, or null. */
export async function channelByFunding(db: Db, txid: string, vout: number): Promise<Channel | null> {
  const row = await db
    .select()
    .from(channels)
    .where(and(eq(channels.fundingTxid, txid), eq(channels.fundingVout, vout)))
    .get();
  return row ? fromRow(row) : null;
}

/**
 * Guarded transition: writes `next` only if the row still has `from`'s status and seq,
 * otherwise aborts the whole batch.
 */
export function transitionStatements(db: Db, from: Channel, next: Channel): Statement[] {
  const { id: _id, createdAt: _created, ...changes } = toRow(next);
  return [
    statement(
      db,
      db
        .update(channels)
        .set(changes)
        .where(and(eq(channels.id, from.id), eq(channels.status, from.status), eq(channels.seq, from.seq))),
    ),
    guardChanged(db, "channel_changed"),
  ];
}

/** Channels in the given statuses, oldest first, for the cron. */
export async function channelsInStatus(db: Db, statuses: ChannelStatus[], limit: number): Promise<Channel[]> {
  const rows = await db
    .select()
    .from(channels)
    .where(inArray(channels.status, statuses))
    .orderBy(asc(channels.id))
    .limit(limit)
    .all();
  return rows.map(fromRow);
}

/** The last chain tip the hub saw (for checks that must not wait on the node), or null. */
export async function knownTip(db: Db): Promise<number | null> {
  const row = await db.$client
    .prepare("SELECT value FROM hub_state WHERE key = 'tip_height'")
    .first<{ value: number }>();
  return row?.value ?? null;
}

/** Records a chain tip; never moves it backwards (a stale reader cannot undo a newer one). */
export const knownTipStatement = (db: Db, tipHeight: number): Statement =>
  rawStatement(
    db,
    `INSERT INTO hub_state (key, value) VALUES ('tip_height', ?)
     ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)`,
    tipHeight,
  );
