-- Webhooks: the endpoints a co-op's admins register for chosen kinds of
-- event, and each event's delivery to each (coopkit_domain::webhook).

CREATE TABLE webhook (
    id         INTEGER PRIMARY KEY,
    coop_id    INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    -- The kinds of event it receives, in the log's names, space-separated.
    kinds      TEXT    NOT NULL,
    -- The key deliveries are signed with (HMAC-SHA256). The server signs
    -- with it rather than checks it, so it is kept as is, like the
    -- ledger's seal key; its admins are shown it once.
    secret     BLOB    NOT NULL CHECK (length(secret) = 32),
    state      TEXT    NOT NULL CHECK (state IN ('active', 'paused')),
    created_by INTEGER REFERENCES person (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    -- Its own webhook.added event: it receives the events after it.
    after_seq  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_coop ON webhook (coop_id, id);

-- One event on its way to one endpoint. An endpoint's deliveries go in
-- the log's order: only its oldest pending one is tried.
CREATE TABLE webhook_delivery (
    id            INTEGER PRIMARY KEY,
    webhook_id    INTEGER NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    event_seq     INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'failing', 'delivered', 'failed')),
    attempts      INTEGER NOT NULL,
    queued_at     INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    -- The receiver's last answer (its status and the start of its body),
    -- or why it could not be reached.
    answer        TEXT,
    -- A sender's claim: its token and until when it holds.
    claim         TEXT,
    claimed_until INTEGER,
    delivered_at  INTEGER,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_delivery_pending ON webhook_delivery (webhook_id, event_seq)
    WHERE state IN ('queued', 'failing');

-- Webhooks deliver what happens from now on.
INSERT INTO event_cursor (consumer, position)
-- (WHERE true: without it SQLite would read ON as a join's.)
SELECT 'webhooks', COALESCE(MAX(seq), 0) FROM event WHERE true
ON CONFLICT (consumer) DO UPDATE SET position = excluded.position;
