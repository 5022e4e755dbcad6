/** The only module that writes the ledger: entries and running balances, inside the caller's batch. */
import { type Db, rawStatement, type Statement } from "../db/client";
import { account, type Journal, LIABILITY_PREFIXES } from "./ledger";
import type { Equity } from "./rules";

/**
 * Statements recording a journal: one row per entry and an upsert of each account's balance.
 * The balance CHECK makes an overdraft abort the whole batch.
 */
export function journalStatements(db: Db, journal: Journal): Statement[] {
  return journal.entries.flatMap((e) => [
    rawStatement(
      db,
      "INSERT INTO journal_entries (journal_id, account, amount_msat, created_at) VALUES (?, ?, ?, ?)",
      journal.id,
      e.account,
      Number(e.amountMsat),
      journal.createdAt,
    ),
    // Create at zero, then add: an upsert would CHECK the candidate row (the bare delta) and
    // refuse a debit of an account that holds enough.
    rawStatement(
      db,
      "INSERT OR IGNORE INTO ledger_balances (account, balance_msat) VALUES (?, 0)",
      e.account,
    ),
    rawStatement(
      db,
      "UPDATE ledger_balances SET balance_msat = balance_msat + ? WHERE account = ?",
      Number(e.amountMsat),
      e.account,
    ),
  ]);
}

/** An account's balance (0 when it never moved). */
export async function balanceOf(db: Db, account: string): Promise<bigint> {
  const row = await db.$client
    .prepare("SELECT balance_msat FROM ledger_balances WHERE account = ?")
    .bind(account)
    .first<{ balance_msat: number }>();
  return BigInt(row?.balance_msat ?? 0);
}

/** The hub's spendable equity now: fee revenue and capital. */
export async function equityOf(db: Db): Promise<Equity> {
  const { results } = await db.$client
    .prepare("SELECT account, balance_msat FROM ledger_balances WHERE account IN (?, ?)")
    .bind(account.fees, account.capital)
    .all<{ account: string; balance_msat: number }>();
  const of = (name: string) => BigInt(results.find((r) => r.account === name)?.balance_msat ?? 0);
  return { feesMsat: of(account.fees), capitalMsat: of(account.capital) };
}

/** Every account the hub owes a positive balance on (merchants, channels, refunds, payouts). */
export async function liabilityBalances(db: Db): Promise<{ owner: string; balanceMsat: bigint }[]> {
  const where = LIABILITY_PREFIXES.map(() => "account LIKE ?").join(" OR ");
  const { results } = await db.$client
    .prepare(`SELECT account, balance_msat FROM ledger_balances WHERE balance_msat > 0 AND (${where})`)
    .bind(...LIABILITY_PREFIXES.map((p) => `${p}%`))
    .all<{ account: string; balance_msat: number }>();
  return results.map((r) => ({ owner: r.account, balanceMsat: BigInt(r.balance_msat) }));
}
