-- Mail: who has proved their address, how each person wants to hear of
-- each kind of message, the outbox, and the one-time links messages carry.

-- When the person proved the address they have now; NULL: not yet, and
-- nothing but the proof itself is mailed to it.
ALTER TABLE person ADD COLUMN email_verified_at INTEGER;
-- Accounts made before addresses were checked keep receiving mail.
UPDATE person SET email_verified_at = created_at;

-- A person's choice for a kind of message; no row: at once.
CREATE TABLE notice_preference (
    person_id INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    delivery  TEXT    NOT NULL CHECK (delivery IN ('at_once', 'daily_digest', 'never')),
    PRIMARY KEY (person_id, kind)
);

-- Each message to send, by what it tells of, never its text: it is
-- written when it is sent, in the recipient's language, to the address
-- they have then. Its event says what happened (NULL for the account's
-- own messages, queued by the change that needs them).
CREATE TABLE mail_outbox (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER REFERENCES person (id) ON DELETE SET NULL,
    coop_id       INTEGER REFERENCES coop (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    event_seq     INTEGER,
    digest        BOOLEAN NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'failing', 'sent', 'failed', 'skipped')),
    attempts      INTEGER NOT NULL,
    queued_at     INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    -- What the mail server last answered, or why nothing was sent.
    answer        TEXT,
    -- A sender's claim: its token and until when it holds.
    claim         TEXT,
    claimed_until INTEGER,
    sent_at       INTEGER,
    UNIQUE (event_seq, person_id, kind)
);
CREATE INDEX mail_outbox_due ON mail_outbox (due_at) WHERE state IN ('queued', 'failing');
CREATE INDEX mail_outbox_coop ON mail_outbox (coop_id, id);

-- The links a message carries, by the SHA-256 of their token: the token
-- itself is only ever in the message.
CREATE TABLE mail_link (
    digest     TEXT    PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify_email', 'password_reset', 'unsubscribe')),
    -- verify_email and password_reset: the address it was sent to.
    email      TEXT,
    -- unsubscribe: the kind it turns off.
    kind       TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX mail_link_person ON mail_link (person_id);

-- Requests to reset a password, by client and by the SHA-256 of the
-- address asked for (not the address: most asked for are nobody's), to
-- limit them; forgotten after an hour.
CREATE TABLE password_reset_request (
    client       TEXT    NOT NULL,
    email_digest TEXT    NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX password_reset_request_email ON password_reset_request (email_digest, at);
CREATE INDEX password_reset_request_client ON password_reset_request (client, at);

-- Mail tells of what happens from now on, not of the history before it.
INSERT INTO event_cursor (consumer, position)
-- (WHERE true: without it SQLite would read ON as a join's.)
SELECT 'mail', COALESCE(MAX(seq), 0) FROM event WHERE true
ON CONFLICT (consumer) DO UPDATE SET position = excluded.position;
