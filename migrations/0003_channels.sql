-- Payment channels (DESIGN.md §5): payer → hub, funded by one on-chain output.
CREATE TABLE channels (
  id TEXT PRIMARY KEY NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('awaiting_funding', 'opening', 'open', 'closing', 'closed', 'expired', 'refunded')),
  payer_pubkey TEXT NOT NULL,
  hub_pubkey TEXT NOT NULL,
  refund_locktime INTEGER NOT NULL CHECK (refund_locktime > 0 AND refund_locktime < 500000000),
  witness_script TEXT NOT NULL,
  funding_script_pubkey TEXT NOT NULL,
  capacity_sat INTEGER NOT NULL CHECK (capacity_sat > 0 AND capacity_sat <= 9007199254740),
  refund_script_pubkey TEXT NOT NULL,
  -- the latest signed state: seq only goes up, the payer balance only down (payments issue)
  seq INTEGER NOT NULL DEFAULT 0 CHECK (seq >= 0),
  payer_balance_msat INTEGER NOT NULL CHECK (payer_balance_msat >= 0 AND payer_balance_msat <= capacity_sat * 1000),
  state_sighash_type INTEGER,
  state_signature TEXT,
  funding_txid TEXT,
  funding_vout INTEGER,
  funding_confirmations INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  offer_expires_at INTEGER NOT NULL,
  opened_at INTEGER,
  close_requested_at INTEGER,
  closed_at INTEGER,
  CHECK ((funding_txid IS NULL) = (funding_vout IS NULL)),
  CHECK (status IN ('awaiting_funding', 'expired') OR funding_txid IS NOT NULL)
);
-- One outpoint funds at most one channel.
CREATE UNIQUE INDEX channels_funding ON channels(funding_txid, funding_vout) WHERE funding_txid IS NOT NULL;
CREATE INDEX channels_status ON channels(status, id);
