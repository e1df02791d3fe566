-- The ledger. The journal (ledger_batch) is the source of truth: every
-- committed batch of events, hash-chained, append-only. ledger_transfer
-- repeats each transfer as a row so statements can be paged by account;
-- it is written in the same transaction as its batch.

CREATE TABLE ledger_currency (
    coop_id             BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    code                TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('time', 'money', 'community')),
    scale               SMALLINT NOT NULL CHECK (scale BETWEEN 0 AND 6),
    -- NULL means unlimited.
    default_debit_limit BIGINT CHECK (default_debit_limit >= 0),
    default_balance_cap BIGINT CHECK (default_balance_cap >= 0),
    PRIMARY KEY (coop_id, code)
);

CREATE TABLE ledger_batch (
    coop_id   BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    seq       BIGINT  NOT NULL CHECK (seq >= 0),
    at        BIGINT  NOT NULL,
    prev_hash BYTEA   NOT NULL,
    hash      BYTEA   NOT NULL,
    events    TEXT    NOT NULL,
    PRIMARY KEY (coop_id, seq)
);

CREATE TABLE ledger_transfer (
    coop_id BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    id      TEXT    NOT NULL,
    seq     BIGINT  NOT NULL,
    at      BIGINT  NOT NULL,
    kind    TEXT    NOT NULL,
    debit   BIGINT  NOT NULL,
    credit  BIGINT  NOT NULL,
    amount  BIGINT  NOT NULL CHECK (amount > 0),
    memo    TEXT    NOT NULL,
    cause   TEXT    NOT NULL,
    PRIMARY KEY (coop_id, id)
);
CREATE INDEX ledger_transfer_debit ON ledger_transfer (coop_id, debit, seq);
CREATE INDEX ledger_transfer_credit ON ledger_transfer (coop_id, credit, seq);
