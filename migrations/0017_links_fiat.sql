-- Payment links priced in fiat. A fixed fiat price was already possible in 0013's columns
-- (price_currency + price_amount_minor); an open amount in fiat (price_currency alone) gets the
-- limits the visitor's amount must fall within, in the currency's minor units.
ALTER TABLE payment_links ADD COLUMN price_min_minor INTEGER
  CHECK (price_min_minor IS NULL OR (price_min_minor >= 1 AND price_currency IS NOT NULL AND price_amount_minor IS NULL));
ALTER TABLE payment_links ADD COLUMN price_max_minor INTEGER
  CHECK (price_max_minor IS NULL OR (price_max_minor >= 1 AND price_min_minor IS NOT NULL AND price_max_minor >= price_min_minor));
