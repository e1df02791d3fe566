-- Every change of state as a typed fact (coopkit_domain::Event), written
-- in the same transaction as the change. `seq` is the cursor readers keep:
-- it is handed out by `event_sequence` under that row's lock, so numbers
-- follow the order transactions commit and a reader that has seen `n` has
-- seen every event before it (a plain identity column would not: a
-- transaction that drew 7 can commit after one that drew 8, and a reader
-- at 8 would never see 7). Append-only: the trigger refuses edits.
CREATE TABLE event (
    seq      BIGINT  PRIMARY KEY,
    coop_id  BIGINT  NOT NULL REFERENCES coop (id),
    kind     TEXT    NOT NULL,
    -- The entity changed, as `booking:42`.
    subject  TEXT    NOT NULL,
    -- NULL for the server's own steps and for secret ballots.
    actor_id BIGINT  REFERENCES person (id),
    at       BIGINT  NOT NULL,
    -- Ids and figures as JSON; never copies of personal data.
    data     TEXT    NOT NULL
);
CREATE INDEX event_by_coop ON event (coop_id, seq);
CREATE INDEX event_by_subject ON event (coop_id, subject, seq);

CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END;
$$;
CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION event_append_only();

-- The last number given; one row.
CREATE TABLE event_sequence (
    id       BIGINT  PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT  NOT NULL
);
INSERT INTO event_sequence (id, last_seq) VALUES (1, 0);

-- Where each reader of the log (webhooks, email…) has read to. Every app
-- server shares a reader's row, so each event is read once between them.
CREATE TABLE event_cursor (
    consumer TEXT    PRIMARY KEY,
    position BIGINT  NOT NULL
);
