-- Settlement (DESIGN.md §8): merchant payout settings, the hub wallet, settlements and their
-- transactions (every signed version kept), payouts, and the Merkle-sum leaves each one anchors.

-- Where a merchant is paid, and from what balance (NULL threshold: the deployment default).
ALTER TABLE merchants ADD COLUMN payout_script_pubkey TEXT;
ALTER TABLE merchants ADD COLUMN payout_threshold_msat INTEGER
  CHECK (payout_threshold_msat IS NULL OR (payout_threshold_msat > 0 AND payout_threshold_msat <= 9007199254740991));

-- The settlement closing a channel (set when planned; a channel is closed by one settlement only).
ALTER TABLE channels ADD COLUMN settlement_id TEXT;
ALTER TABLE channels ADD COLUMN close_reason TEXT CHECK (close_reason IS NULL OR close_reason IN ('expiring', 'exhausted', 'requested'));

-- The hub wallet's outputs (P2WPKH of the wallet key): operator deposits and settlement change.
CREATE TABLE hub_utxos (
  txid TEXT NOT NULL,
  vout INTEGER NOT NULL CHECK (vout >= 0),
  value_sat INTEGER NOT NULL CHECK (value_sat > 0 AND value_sat <= 2100000000000000),
  status TEXT NOT NULL CHECK (status IN ('available', 'reserved', 'spent')),
  source TEXT NOT NULL CHECK (source IN ('deposit', 'change')),
  -- the settlement that reserved it (and then spent it); NULL while available
  settlement_id TEXT,
  -- for change: the settlement whose transaction made it
  created_by_settlement TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (txid, vout),
  CHECK ((status = 'available') = (settlement_id IS NULL))
);
CREATE INDEX hub_utxos_status ON hub_utxos(status, value_sat);

CREATE TABLE settlements (
  id TEXT PRIMARY KEY NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('planned', 'signed', 'broadcast', 'confirmed', 'final', 'abandoned')),
  -- 1 while not done (final, or abandoned when a payer's refund took an input), NULL after: the UNIQUE constraint allows one settlement in flight at a time
  active INTEGER UNIQUE CHECK (active IS NULL OR active = 1),
  merkle_root TEXT NOT NULL,
  total_liabilities_msat INTEGER NOT NULL CHECK (total_liabilities_msat >= 0),
  fee_rate_sat_per_vb INTEGER NOT NULL CHECK (fee_rate_sat_per_vb >= 1),
  tx_count INTEGER NOT NULL CHECK (tx_count >= 1),
  payout_count INTEGER NOT NULL,
  close_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  final_at INTEGER,
  CHECK ((status IN ('final', 'abandoned')) = (active IS NULL)),
  CHECK ((status IN ('final', 'abandoned')) = (final_at IS NOT NULL))
);

CREATE TABLE settlement_txs (
  settlement_id TEXT NOT NULL REFERENCES settlements(id),
  idx INTEGER NOT NULL,
  -- abandoned: an input was spent by someone else (a payer's CLTV refund), so no version can confirm
  status TEXT NOT NULL CHECK (status IN ('planned', 'signed', 'broadcast', 'confirmed', 'final', 'abandoned')),
  -- the current version's plan (JSON, amounts as decimal strings): inputs, outputs, fee
  plan TEXT NOT NULL,
  -- 0 for the first; each fee bump adds one (same inputs, only the change shrinks)
  version INTEGER NOT NULL DEFAULT 0,
  -- the current version's id and bytes, persisted before any broadcast
  txid TEXT,
  raw_tx TEXT,
  fee_sat INTEGER NOT NULL,
  vsize INTEGER NOT NULL,
  -- chain tip when the current version was last sent: a fee bump waits on it
  broadcast_height INTEGER,
  broadcast_attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  -- which version the chain holds, once one confirms
  confirmed_txid TEXT,
  confirmations INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (settlement_id, idx),
  CHECK ((status = 'planned') = (txid IS NULL)),
  CHECK ((status IN ('confirmed', 'final')) = (confirmed_txid IS NOT NULL))
);

-- Every signed version of every settlement transaction: they spend the same inputs, so at most
-- one can ever confirm, and the hub must watch them all.
CREATE TABLE settlement_tx_versions (
  txid TEXT PRIMARY KEY NOT NULL,
  settlement_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  version INTEGER NOT NULL,
  -- this version's plan (the same inputs and outputs; only the change and fee differ)
  plan TEXT NOT NULL,
  raw_tx TEXT NOT NULL,
  fee_sat INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (settlement_id, idx, version)
);

CREATE TABLE payouts (
  id TEXT PRIMARY KEY NOT NULL,
  settlement_id TEXT NOT NULL REFERENCES settlements(id),
  tx_idx INTEGER NOT NULL,
  vout INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('merchant', 'refund')),
  merchant_id TEXT REFERENCES merchants(id),
  channel_id TEXT REFERENCES channels(id),
  script_pubkey TEXT NOT NULL,
  amount_sat INTEGER NOT NULL CHECK (amount_sat > 0),
  fee_share_sat INTEGER NOT NULL CHECK (fee_share_sat >= 0),
  debit_msat INTEGER NOT NULL,
  -- failed: its transaction was abandoned; the amount went back to the balance it came from
  status TEXT NOT NULL CHECK (status IN ('pending', 'broadcast', 'confirmed', 'failed')),
  txid TEXT,
  created_at INTEGER NOT NULL,
  broadcast_at INTEGER,
  confirmed_at INTEGER,
  UNIQUE (settlement_id, tx_idx, vout),
  CHECK ((kind = 'merchant') = (merchant_id IS NOT NULL)),
  CHECK ((kind = 'refund') = (channel_id IS NOT NULL)),
  CHECK (debit_msat = (amount_sat + fee_share_sat) * 1000)
);
CREATE INDEX payouts_merchant ON payouts(merchant_id, id);
CREATE INDEX payouts_settlement ON payouts(settlement_id, tx_idx);

-- The Merkle-sum tree's leaves: every liability once the settlement is final, in tree order, a
-- thousand per row as JSON [[owner, "balance_msat"], …] (tens of thousands of liabilities stay a few
-- dozen statements in the plan's batch).
CREATE TABLE settlement_leaves (
  settlement_id TEXT NOT NULL,
  chunk INTEGER NOT NULL CHECK (chunk >= 0),
  leaves TEXT NOT NULL,
  PRIMARY KEY (settlement_id, chunk)
);

-- Keys that held every scope (a merchant's first key, by default) keep holding every scope:
-- they gain the account, payout, event and webhook scopes added with settlement and webhooks.
UPDATE api_keys
SET scopes = json_insert(scopes, '$[#]', 'account:read', '$[#]', 'account:write', '$[#]', 'payouts:read',
  '$[#]', 'events:read', '$[#]', 'webhooks:read', '$[#]', 'webhooks:write')
WHERE (
  SELECT COUNT(DISTINCT value) FROM json_each(api_keys.scopes)
  WHERE value IN ('invoices:read', 'invoices:write', 'payments:read', 'refunds:write', 'api_keys:read', 'api_keys:write')
) = 6;
