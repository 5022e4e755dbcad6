-- Checkout (hosted page /pay/{id} and the embeddable widget): what a shopper may see of an invoice.

-- The hosted checkout page, fixed when the invoice is created (PUBLIC_URL, or the origin the API
-- was called on), so every rendering (API, events, webhooks) carries the same link.
ALTER TABLE invoices ADD COLUMN checkout_url TEXT;
-- Where the widget sends the shopper once paid: https (or http on loopback); revealed only once paid.
ALTER TABLE invoices ADD COLUMN success_url TEXT;
-- The metadata keys the merchant marked public (JSON array of strings): the public checkout view
-- shows these and no others.
ALTER TABLE invoices ADD COLUMN public_metadata_keys TEXT NOT NULL DEFAULT '[]';
