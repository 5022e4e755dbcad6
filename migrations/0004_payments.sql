-- Off-chain payments (DESIGN.md §5–7), refunds, the double-entry ledger, and fee policy.

-- Per-merchant fee override (NULL: the deployment default).
ALTER TABLE merchants ADD COLUMN fee_base_msat INTEGER CHECK (fee_base_msat IS NULL OR fee_base_msat >= 0);
ALTER TABLE merchants ADD COLUMN fee_ppm INTEGER CHECK (fee_ppm IS NULL OR (fee_ppm >= 0 AND fee_ppm <= 1000000));

ALTER TABLE invoices ADD COLUMN payment_id TEXT;
CREATE UNIQUE INDEX invoices_bolt11 ON invoices(bolt11);

CREATE TABLE payments (
  id TEXT PRIMARY KEY NOT NULL,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  -- one payment per invoice, one payment per channel state
  invoice_id TEXT NOT NULL UNIQUE REFERENCES invoices(id),
  channel_id TEXT NOT NULL REFERENCES channels(id),
  seq INTEGER NOT NULL,
  amount_msat INTEGER NOT NULL CHECK (amount_msat > 0 AND amount_msat <= 9007199254740991),
  fee_msat INTEGER NOT NULL CHECK (fee_msat >= 0 AND fee_msat <= amount_msat),
  payer_balance_msat INTEGER NOT NULL CHECK (payer_balance_msat >= 0),
  sighash_type INTEGER NOT NULL CHECK (sighash_type IN (130, 131)),
  signature TEXT NOT NULL,
  receipt_signature TEXT NOT NULL,
  refunded_msat INTEGER NOT NULL DEFAULT 0 CHECK (refunded_msat >= 0 AND refunded_msat <= amount_msat),
  created_at INTEGER NOT NULL,
  UNIQUE (channel_id, seq)
);
CREATE INDEX payments_merchant ON payments(merchant_id, id);

CREATE TABLE refunds (
  id TEXT PRIMARY KEY NOT NULL,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  payment_id TEXT NOT NULL REFERENCES payments(id),
  channel_id TEXT NOT NULL REFERENCES channels(id),
  amount_msat INTEGER NOT NULL CHECK (amount_msat > 0),
  reason TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX refunds_merchant ON refunds(merchant_id, id);
CREATE INDEX refunds_payment ON refunds(payment_id);

-- Double-entry ledger: every journal's entries sum to zero (checked by ledger/invariants.ts).
CREATE TABLE journal_entries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  journal_id TEXT NOT NULL,
  account TEXT NOT NULL,
  amount_msat INTEGER NOT NULL CHECK (amount_msat <> 0),
  created_at INTEGER NOT NULL
);
CREATE INDEX journal_entries_journal ON journal_entries(journal_id);
CREATE INDEX journal_entries_account ON journal_entries(account);

-- Running balances, kept in the same batch as the entries. Only external accounts may go
-- negative: the CHECK aborts any batch that would overdraw a channel, merchant or owed account.
CREATE TABLE ledger_balances (
  account TEXT PRIMARY KEY NOT NULL,
  balance_msat INTEGER NOT NULL,
  CHECK (balance_msat >= 0 OR account LIKE 'external:%')
);

-- Small facts the hub caches, e.g. the last chain tip seen (for the payment close-margin check).
CREATE TABLE hub_state (
  key TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
);
