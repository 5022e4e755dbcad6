-- Lightning Addresses (LNURL-pay, LUD-06/16) and payment links (/l/{id}): ways to be paid without
-- an order. Both issue ordinary invoices through the invoice service, so every invoice.* and
-- payment.* event and the ledger work as for any other invoice.

-- A merchant's Lightning Address `<name>@<hub domain>`. The name is the LUD-16 username
-- (a-z 0-9 - _ . only), unique across all merchants and never released: a disabled address keeps
-- its name, so a payer who saved it can never end up paying someone else.
CREATE TABLE lightning_addresses (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  -- The metadata's text/plain entry: what the payer's wallet shows.
  description TEXT NOT NULL,
  -- LUD-06 minSendable / maxSendable, in msat.
  min_sendable_msat INTEGER NOT NULL CHECK (min_sendable_msat >= 1),
  max_sendable_msat INTEGER NOT NULL CHECK (max_sendable_msat >= min_sendable_msat),
  -- LUD-12 commentAllowed: characters of comment accepted (0: none).
  comment_allowed INTEGER NOT NULL CHECK (comment_allowed >= 0),
  -- LUD-09 message success action shown by the wallet once paid.
  success_message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
);
CREATE INDEX lightning_addresses_merchant ON lightning_addresses(merchant_id, id);

-- A reusable payment page /l/{id}. The amount is fixed in msat, fixed in a fiat currency
-- (price_currency + price_amount_minor, converted when a visitor asks for an invoice), or open
-- (the visitor chooses; price_currency alone says in which unit).
CREATE TABLE payment_links (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  amount_msat INTEGER CHECK (amount_msat IS NULL OR amount_msat >= 1),
  price_currency TEXT,
  price_amount_minor INTEGER CHECK (price_amount_minor IS NULL OR price_amount_minor >= 1),
  description TEXT,
  success_url TEXT,
  -- The page, fixed at creation like an invoice's checkout_url.
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  disabled_at INTEGER,
  CHECK (amount_msat IS NULL OR price_currency IS NULL),
  CHECK (price_amount_minor IS NULL OR price_currency IS NOT NULL)
);
CREATE INDEX payment_links_merchant ON payment_links(merchant_id, id);

-- The invoice a visitor (a random cookie, no personal data) was last given on a link: asking again
-- for the same amount while it is open hands back the same invoice instead of minting another.
CREATE TABLE payment_link_visits (
  link_id TEXT NOT NULL,
  visitor TEXT NOT NULL,
  invoice_id TEXT NOT NULL,
  amount_msat INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (link_id, visitor)
);

-- Keys that held every scope there was also gain the Lightning Address and payment link scopes.
UPDATE api_keys
SET scopes = json_insert(scopes, '$[#]', 'lightning_addresses:read', '$[#]', 'lightning_addresses:write',
  '$[#]', 'payment_links:read', '$[#]', 'payment_links:write')
WHERE (
  SELECT COUNT(DISTINCT value) FROM json_each(api_keys.scopes)
  WHERE value IN ('invoices:read', 'invoices:write', 'payments:read', 'refunds:write', 'api_keys:read',
    'api_keys:write', 'account:read', 'account:write', 'payouts:read', 'events:read', 'webhooks:read',
    'webhooks:write')
) = 12;
