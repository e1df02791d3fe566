-- Every change of state as a typed fact (coopkit_domain::Event), written
-- in the same transaction as the change. `seq` is the cursor readers keep:
-- it is handed out by `event_sequence` under that row's lock, so numbers
-- follow the order transactions commit and a reader that has seen `n` has
-- seen every event before it. Append-only: the triggers refuse edits.
CREATE TABLE event (
    seq      INTEGER PRIMARY KEY,
    coop_id  INTEGER NOT NULL REFERENCES coop (id),
    kind     TEXT    NOT NULL,
    -- The entity changed, as `booking:42`.
    subject  TEXT    NOT NULL,
    -- NULL for the server's own steps and for secret ballots.
    actor_id INTEGER REFERENCES person (id),
    at       INTEGER NOT NULL,
    -- Ids and figures as JSON; never copies of personal data.
    data     TEXT    NOT NULL
);
CREATE INDEX event_by_coop ON event (coop_id, seq);
CREATE INDEX event_by_subject ON event (coop_id, subject, seq);

CREATE TRIGGER event_no_update BEFORE UPDATE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
CREATE TRIGGER event_no_delete BEFORE DELETE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

-- The last number given; one row.
CREATE TABLE event_sequence (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO event_sequence (id, last_seq) VALUES (1, 0);

-- Where each reader of the log (webhooks, email…) has read to. Every app
-- server shares a reader's row, so each event is read once between them.
CREATE TABLE event_cursor (
    consumer TEXT    PRIMARY KEY,
    position INTEGER NOT NULL
);
