-- Fiat (issue 13): exchange rates, fiat-priced invoices, fiat values on payments and refunds,
-- merchants' display currency and spread, and the indexes the CSV exports page by.
-- Fiat amounts are integers in the currency's minor units (ISO 4217 exponent); a BTC price is the
-- price of one bitcoin in minor units. They annotate msat amounts and are never ledger amounts.
-- docs/fiat.md explains the rules, docs/storage.md every column.

-- The latest quote each source gave for each currency (the cron upserts; at most sources × currencies rows).
CREATE TABLE rate_quotes (
  source TEXT NOT NULL,
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  btc_price_minor INTEGER NOT NULL CHECK (btc_price_minor > 0 AND btc_price_minor <= 9007199254740991),
  -- when the source's answer was current: our fetch time, or the source's own timestamp if older
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (source, currency)
);

-- The rate decided from those quotes, one row per currency per hour (the first fresh one): what the
-- payouts export values payouts at. About 140 k rows a year at the currency limit.
CREATE TABLE rate_history (
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  hour_start INTEGER NOT NULL,
  btc_price_minor INTEGER NOT NULL CHECK (btc_price_minor > 0 AND btc_price_minor <= 9007199254740991),
  source TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (currency, hour_start)
);

-- A merchant's display currency (fiat values of sat-priced invoices, balance, payouts) and the spread
-- taken off the rate when pricing in fiat (parts per million; more sats for the same price).
ALTER TABLE merchants ADD COLUMN display_currency TEXT CHECK (display_currency IS NULL OR length(display_currency) = 3);
ALTER TABLE merchants ADD COLUMN rate_spread_ppm INTEGER NOT NULL DEFAULT 0 CHECK (rate_spread_ppm >= 0 AND rate_spread_ppm < 1000000);

-- A fiat-priced invoice's price, and the rate locked on any invoice that has one (fiat-priced, or a
-- sat-priced invoice of a merchant with a display currency). The BOLT11 amount is the converted msat.
ALTER TABLE invoices ADD COLUMN price_currency TEXT;
ALTER TABLE invoices ADD COLUMN price_amount_minor INTEGER CHECK (price_amount_minor IS NULL OR price_amount_minor > 0);
ALTER TABLE invoices ADD COLUMN rate_currency TEXT;
-- the price the conversion used: the sources' median less the merchant's spread
ALTER TABLE invoices ADD COLUMN rate_btc_price_minor INTEGER CHECK (rate_btc_price_minor IS NULL OR rate_btc_price_minor > 0);
ALTER TABLE invoices ADD COLUMN rate_spread_ppm INTEGER;
ALTER TABLE invoices ADD COLUMN rate_source TEXT;
ALTER TABLE invoices ADD COLUMN rate_fetched_at INTEGER;

-- A payment's fiat value when paid: the price of a fiat-priced invoice, else its amount at the
-- invoice's locked rate. Copied from the invoice, so the payment hot path reads nothing more.
ALTER TABLE payments ADD COLUMN fiat_currency TEXT;
ALTER TABLE payments ADD COLUMN fiat_amount_minor INTEGER CHECK (fiat_amount_minor IS NULL OR fiat_amount_minor >= 0);
ALTER TABLE payments ADD COLUMN fiat_btc_price_minor INTEGER CHECK (fiat_btc_price_minor IS NULL OR fiat_btc_price_minor > 0);

-- A refund's fiat value and the rate it was converted at: the payment's ('original') or today's ('current').
ALTER TABLE refunds ADD COLUMN fiat_currency TEXT;
ALTER TABLE refunds ADD COLUMN fiat_amount_minor INTEGER CHECK (fiat_amount_minor IS NULL OR fiat_amount_minor >= 0);
ALTER TABLE refunds ADD COLUMN fiat_btc_price_minor INTEGER CHECK (fiat_btc_price_minor IS NULL OR fiat_btc_price_minor > 0);
ALTER TABLE refunds ADD COLUMN fiat_rate_basis TEXT CHECK (fiat_rate_basis IS NULL OR fiat_rate_basis IN ('original', 'current'));

-- The exports read a merchant's rows in time order, a page at a time by (created_at, id).
CREATE INDEX payments_merchant_time ON payments(merchant_id, created_at, id);
CREATE INDEX refunds_merchant_time ON refunds(merchant_id, created_at, id);
CREATE INDEX payouts_merchant_time ON payouts(merchant_id, created_at, id);
