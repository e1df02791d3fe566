-- Webhooks: the endpoints a co-op's admins register for chosen kinds of
-- event, and each event's delivery to each (coopkit_domain::webhook).

CREATE TABLE webhook (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coop_id    BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    -- The kinds of event it receives, in the log's names, space-separated.
    kinds      TEXT    NOT NULL,
    -- The key deliveries are signed with (HMAC-SHA256). The server signs
    -- with it rather than checks it, so it is kept as is, like the
    -- ledger's seal key; its admins are shown it once.
    secret     BYTEA   NOT NULL CHECK (length(secret) = 32),
    state      TEXT    NOT NULL CHECK (state IN ('active', 'paused')),
    created_by BIGINT  REFERENCES person (id) ON DELETE SET NULL,
    created_at BIGINT  NOT NULL,
    -- Its own webhook.added event: it receives the events after it.
    after_seq  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX webhook_coop ON webhook (coop_id, id);

-- One event on its way to one endpoint. An endpoint's deliveries go in
-- the log's order: only its oldest pending one is tried.
CREATE TABLE webhook_delivery (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id    BIGINT  NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    event_seq     BIGINT  NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'failing', 'delivered', 'failed')),
    attempts      BIGINT  NOT NULL,
    queued_at     BIGINT  NOT NULL,
    due_at        BIGINT  NOT NULL,
    -- The receiver's last answer (its status and the start of its body),
    -- or why it could not be reached.
    answer        TEXT,
    -- A sender's claim: its token and until when it holds.
    claim         TEXT,
    claimed_until BIGINT,
    delivered_at  BIGINT,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_delivery_pending ON webhook_delivery (webhook_id, event_seq)
    WHERE state IN ('queued', 'failing');

-- Webhooks deliver what happens from now on.
INSERT INTO event_cursor (consumer, position)
SELECT 'webhooks', COALESCE(MAX(seq), 0) FROM event WHERE true
ON CONFLICT (consumer) DO UPDATE SET position = excluded.position;
