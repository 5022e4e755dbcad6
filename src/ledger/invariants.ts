/** The ledger invariant (DESIGN.md §2), checkable at any time by tests and the operator. */
import type { Db } from "../db/client";

export interface LedgerReport {
  readonly ok: boolean;
  readonly violations: string[];
  readonly liabilitiesMsat: bigint;
  readonly equityMsat: bigint;
  /** Σ capacity of opened channels not closed + hub wallet UTXOs (+ any unbacked shortfall). */
  readonly heldOnChainMsat: bigint;
}

const big = (v: number | null | undefined) => BigInt(v ?? 0);

/**
 * Checks: every journal sums to zero; running balances equal the sums of their entries; no
 * internal account is negative; each open channel's ledger balance equals its signed state;
 * liabilities + equity equal what the hub holds on chain for them, to the msat.
 */
export async function checkLedger(db: Db): Promise<LedgerReport> {
  const d1 = db.$client;
  const violations: string[] = [];
  const unbalanced = await d1
    .prepare(
      "SELECT journal_id, SUM(amount_msat) AS s FROM journal_entries GROUP BY journal_id HAVING s <> 0 LIMIT 10",
    )
    .all<{ journal_id: string; s: number }>();
  for (const r of unbalanced.results) violations.push(`journal ${r.journal_id} sums to ${r.s}`);
  const drift = await d1
    .prepare(
      `SELECT b.account, b.balance_msat AS kept, COALESCE(SUM(e.amount_msat), 0) AS summed
       FROM ledger_balances b LEFT JOIN journal_entries e ON e.account = b.account
       GROUP BY b.account HAVING kept <> summed LIMIT 10`,
    )
    .all<{ account: string; kept: number; summed: number }>();
  for (const r of drift.results)
    violations.push(`balance of ${r.account} is ${r.kept}, entries sum to ${r.summed}`);
  const negative = await d1
    .prepare(
      "SELECT account, balance_msat FROM ledger_balances WHERE balance_msat < 0 AND account NOT LIKE 'external:%'",
    )
    .all<{ account: string; balance_msat: number }>();
  for (const r of negative.results) violations.push(`${r.account} is negative: ${r.balance_msat}`);
  const mismatched = await d1
    .prepare(
      `SELECT c.id, c.payer_balance_msat AS state, COALESCE(b.balance_msat, 0) AS booked
       FROM channels c LEFT JOIN ledger_balances b ON b.account = 'channel:' || c.id
       WHERE c.status IN ('open', 'closing') AND c.payer_balance_msat <> COALESCE(b.balance_msat, 0) LIMIT 10`,
    )
    .all<{ id: string; state: number; booked: number }>();
  for (const r of mismatched.results)
    violations.push(`channel ${r.id}: signed state ${r.state}, ledger ${r.booked}`);

  const sums = await d1
    .prepare(
      `SELECT
         (SELECT COALESCE(SUM(balance_msat), 0) FROM ledger_balances
            WHERE account LIKE 'channel:%' OR account LIKE 'merchant:%' OR account LIKE 'refund_owed:%'
               OR account LIKE 'payout:%') AS liabilities,
         (SELECT COALESCE(SUM(balance_msat), 0) FROM ledger_balances WHERE account LIKE 'hub:%') AS equity,
         (SELECT COALESCE(SUM(balance_msat), 0) FROM ledger_balances WHERE account LIKE 'external:%') AS external`,
    )
    .first<{ liabilities: number; equity: number; external: number }>();
  // Independently of the ledger, from what the hub controls on chain: the capacity of every
  // opened channel not yet closed (or refunded) and the hub wallet's unspent outputs. Unbacked
  // liabilities (external:shortfall) are owed but not held.
  const held = await d1
    .prepare(
      `SELECT
         (SELECT COALESCE(SUM(capacity_sat * 1000), 0) FROM channels
            WHERE status IN ('open', 'closing') AND opened_at IS NOT NULL)
       + (SELECT COALESCE(SUM(value_sat * 1000), 0) FROM hub_utxos WHERE status IN ('available', 'reserved'))
       - (SELECT COALESCE(SUM(balance_msat), 0) FROM ledger_balances WHERE account = 'external:shortfall')
         AS held`,
    )
    .first<{ held: number }>();
  const liabilitiesMsat = big(sums?.liabilities);
  const equityMsat = big(sums?.equity);
  if (liabilitiesMsat + equityMsat + big(sums?.external) !== 0n) {
    violations.push(
      `liabilities + equity (${liabilitiesMsat + equityMsat}) ≠ −external (${-big(sums?.external)})`,
    );
  }
  const heldOnChainMsat = big(held?.held);
  if (liabilitiesMsat + equityMsat !== heldOnChainMsat) {
    violations.push(
      `liabilities + equity (${liabilitiesMsat + equityMsat}) ≠ held on chain (${heldOnChainMsat})`,
    );
  }
  return { ok: violations.length === 0, violations, liabilitiesMsat, equityMsat, heldOnChainMsat };
}
