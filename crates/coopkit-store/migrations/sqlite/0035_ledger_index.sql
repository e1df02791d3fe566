-- The ledger at hosting scale: the writer keeps in memory only what judging
-- a transfer needs, and everything about the past is read from here.
--
-- A batch's events move into parts of up to 128 events, so that one
-- statement line reads a part, not a batch of up to 8,190. `first` is the
-- index of the part's first event in its batch; a batch written before
-- this migration is one part.
CREATE TABLE ledger_batch_part (
    coop_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    first   INTEGER NOT NULL CHECK (first >= 0),
    events  TEXT    NOT NULL,
    PRIMARY KEY (coop_id, seq, first),
    FOREIGN KEY (coop_id, seq) REFERENCES ledger_batch (coop_id, seq) ON DELETE CASCADE
) WITHOUT ROWID;

INSERT INTO ledger_batch_part (coop_id, seq, first, events)
    SELECT coop_id, seq, 0, events FROM ledger_batch;

ALTER TABLE ledger_batch DROP COLUMN events;

-- The index. Every row follows from the journal and is rebuilt from it
-- (the writer does so for a co-op with batches but no snapshot, as after
-- this migration); nothing here is trusted over the journal. Rows are
-- written at the rate of transfers, so they carry no foreign keys.

-- Each transfer by id (a u128, as its high and low 64 bits): where it sits
-- in the journal.
CREATE TABLE ledger_transfer (
    coop_id INTEGER NOT NULL,
    id_high INTEGER NOT NULL,
    id_low  INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    idx     INTEGER NOT NULL,
    PRIMARY KEY (coop_id, id_high, id_low)
) WITHOUT ROWID;

-- Each hold: where it stands, and what a post or void of it resolves to.
CREATE TABLE ledger_hold (
    coop_id   INTEGER NOT NULL,
    id_high   INTEGER NOT NULL,
    id_low    INTEGER NOT NULL,
    status    TEXT    NOT NULL CHECK (status IN ('open', 'posted', 'voided', 'expired')),
    debit_id  INTEGER NOT NULL,
    credit_id INTEGER NOT NULL,
    amount    INTEGER NOT NULL,
    PRIMARY KEY (coop_id, id_high, id_low)
) WITHOUT ROWID;

-- Each account's statement, a row per batch that touched it: the place of
-- its first line in the account's history, and for each line the event's
-- index in the batch and the balance after it, as JSON ([[index, balance],
-- ...]). Keyed by batch first, so that a commit appends at the end of the
-- table; `previous_seq` links an account's rows from the newest back.
CREATE TABLE ledger_line (
    coop_id        INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    account_id     INTEGER NOT NULL,
    previous_seq   INTEGER,
    first_position INTEGER NOT NULL CHECK (first_position >= 1),
    entries        TEXT    NOT NULL,
    PRIMARY KEY (coop_id, seq, account_id)
) WITHOUT ROWID;

-- Where each account's every 64th line is: the batch of line 64 × `mark`.
-- A statement page from deep in a long history starts its walk back from
-- the nearest mark after it, not from the newest line.
CREATE TABLE ledger_line_mark (
    coop_id    INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    mark       INTEGER NOT NULL CHECK (mark >= 1),
    seq        INTEGER NOT NULL,
    PRIMARY KEY (coop_id, account_id, mark)
) WITHOUT ROWID;

-- The writer's state after batch `seq` (accounts, balances, limits, open
-- holds, the chain's head, plays counted), as JSON: loading a co-op reads
-- the newest and replays only the batches after it.
CREATE TABLE ledger_snapshot (
    coop_id INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL CHECK (seq >= 0),
    state   TEXT    NOT NULL,
    PRIMARY KEY (coop_id, seq)
);
