-- Foundation: merchants, API keys, invoices, the event outbox, idempotency records.
-- Money columns are integer msat, range-checked to the JSON edge (0 .. 2^53-1).
-- docs/storage.md explains every table.

CREATE TABLE merchants (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY NOT NULL,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  -- first 8 chars of the secret part: shown to humans, used to find the row
  prefix TEXT NOT NULL,
  -- SHA-256 of the whole key, hex; the key itself is never stored
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  label TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_prefix ON api_keys(prefix);
CREATE INDEX api_keys_merchant ON api_keys(merchant_id, id);

CREATE TABLE invoices (
  id TEXT PRIMARY KEY NOT NULL,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'expired', 'canceled')),
  amount_msat INTEGER NOT NULL CHECK (amount_msat > 0 AND amount_msat <= 9007199254740991),
  description TEXT,
  description_hash TEXT,
  payment_hash TEXT NOT NULL UNIQUE,
  payment_secret TEXT NOT NULL,
  -- secret until paid; never rendered to merchants before that
  preimage TEXT NOT NULL,
  bolt11 TEXT NOT NULL,
  expiry_seconds INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  paid_at INTEGER,
  canceled_at INTEGER,
  expired_at INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  order_id TEXT,
  CHECK ((description IS NULL) <> (description_hash IS NULL)),
  CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
  CHECK ((status = 'canceled') = (canceled_at IS NOT NULL)),
  CHECK ((status = 'expired') = (expired_at IS NOT NULL))
);
CREATE INDEX invoices_merchant ON invoices(merchant_id, id);
CREATE INDEX invoices_merchant_status ON invoices(merchant_id, status, id);
CREATE INDEX invoices_open_expiry ON invoices(expires_at) WHERE status = 'open';

-- Outbox: written in the same batch as the change it announces; webhooks deliver from here.
CREATE TABLE events (
  id TEXT PRIMARY KEY NOT NULL,
  merchant_id TEXT REFERENCES merchants(id),
  type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  -- one-shot events (invoice.paid, invoice.expired…) can never be written twice
  dedupe_key TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_merchant ON events(merchant_id, id);

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
  status_code INTEGER,
  response_body TEXT,
  created_at INTEGER NOT NULL,
  locked_until INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- Batch guards: `INSERT INTO batch_guard SELECT 'why' WHERE <guard failed>` aborts the whole
-- D1 batch, because every row violates this CHECK. A conditional UPDATE alone is no guard.
CREATE TABLE batch_guard (
  reason TEXT,
  CONSTRAINT batch_guard_failed CHECK (reason IS NULL AND reason IS NOT NULL)
);
