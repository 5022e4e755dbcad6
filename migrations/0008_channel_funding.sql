-- Funding registration (DESIGN.md §5–6, issue #11 item 1): a payer-signed registration whose
-- transaction the hub's node has not seen yet is kept `opening` with its outpoint recorded but not
-- verified, and is looked for until the offer expires.
--   funding_verified_at: when the hub verified the outpoint on chain (script, value, unspent,
--     lifetime); NULL while it waits for the node to see the transaction.
--   funding_error_code / _message: why the last registered outpoint was turned down after the
--     fact (it appeared and did not match, or never appeared before the offer expired); the
--     channel went back to awaiting_funding (or expired) with its outpoint cleared.
ALTER TABLE channels ADD COLUMN funding_verified_at INTEGER;
ALTER TABLE channels ADD COLUMN funding_error_code TEXT;
ALTER TABLE channels ADD COLUMN funding_error_message TEXT;

-- Every funding recorded before this migration was verified when it was recorded.
UPDATE channels SET funding_verified_at = COALESCE(opened_at, created_at) WHERE funding_txid IS NOT NULL;

-- One verified outpoint funds at most one channel. Unverified claims may name the same outpoint
-- (anyone can register any txid to their own offer before the node sees it); when it appears, only
-- the channel whose own script it pays can verify, and every channel has its own script.
DROP INDEX channels_funding;
CREATE UNIQUE INDEX channels_funding ON channels(funding_txid, funding_vout)
  WHERE funding_txid IS NOT NULL AND funding_verified_at IS NOT NULL;

-- The cron expires and purges offers by status and offer expiry.
CREATE INDEX channels_offer_expiry ON channels(status, offer_expires_at);
