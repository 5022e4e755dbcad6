-- Webhooks (DESIGN.md §9): endpoints, one delivery per (event, endpoint), and every attempt.
-- docs/storage.md explains every table; docs/webhooks.md the delivery rules.

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY NOT NULL,
  -- NULL: an operator endpoint; it receives the hub-level events (channel.*), whose merchant_id is NULL
  merchant_id TEXT REFERENCES merchants(id),
  url TEXT NOT NULL,
  description TEXT,
  -- JSON array of event types; ["*"] subscribes to every type
  event_types TEXT NOT NULL CHECK (json_valid(event_types) AND json_type(event_types) = 'array'),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  disabled_reason TEXT CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
  -- the signing secret (whsec_…) must be usable to sign, so it is stored as is (unlike API keys);
  -- it is rendered once, at creation or rotation, and never logged
  secret TEXT NOT NULL,
  -- after a rotation the old secret also signs until previous_secret_expires_at
  previous_secret TEXT,
  previous_secret_expires_at INTEGER,
  -- consecutive deliveries that exhausted the schedule; a success resets it
  failed_deliveries INTEGER NOT NULL DEFAULT 0 CHECK (failed_deliveries >= 0),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER,
  CHECK ((enabled = 1) = (disabled_reason IS NULL)),
  CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL)),
  CHECK (deleted_at IS NULL OR enabled = 0)
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints(merchant_id, id);

-- One row per (event, endpoint): where that delivery stands in the retry schedule. The webhook-id
-- header is the event id, so it is stable across retries and redeliveries.
CREATE TABLE webhook_deliveries (
  event_id TEXT NOT NULL REFERENCES events(id),
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
  merchant_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  -- attempts made in the current round (a redelivery starts a new round at 0)
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- when the next attempt is due; while an attempt runs, the end of its lease
  next_attempt_at INTEGER,
  last_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  completed_at INTEGER,
  PRIMARY KEY (event_id, endpoint_id),
  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
  CHECK ((status = 'pending') = (completed_at IS NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, status);

-- Every attempt: time, status code, duration, error code. Never the response body.
CREATE TABLE webhook_attempts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  attempt INTEGER NOT NULL CHECK (attempt >= 1),
  attempted_at INTEGER NOT NULL,
  status_code INTEGER,
  duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
  error TEXT,
  FOREIGN KEY (event_id, endpoint_id) REFERENCES webhook_deliveries(event_id, endpoint_id)
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(event_id, endpoint_id, seq);

CREATE INDEX events_merchant_type ON events(merchant_id, type, id);

-- Fan-out inside the event's own insert: every event written (in the batch of the change it
-- announces) gets its deliveries in that same transaction, whoever wrote it. Nothing to forget,
-- nothing lost between the outbox and the delivery queue. The first attempt is due at once.
CREATE TRIGGER events_fan_out AFTER INSERT ON events
BEGIN
  INSERT INTO webhook_deliveries (event_id, endpoint_id, merchant_id, status, attempts, next_attempt_at, created_at)
  SELECT NEW.id, e.id, NEW.merchant_id, 'pending', 0, NEW.created_at, NEW.created_at
  FROM webhook_endpoints e
  WHERE e.merchant_id IS NEW.merchant_id
    AND e.enabled = 1
    AND EXISTS (SELECT 1 FROM json_each(e.event_types) WHERE value IN (NEW.type, '*'));
END;
