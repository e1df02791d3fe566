-- The ledger. The journal (ledger_batch) is the source of truth: every
-- committed batch of events, hash-chained, append-only. Balances and
-- statements are what replaying it gives; the ledger writer keeps them in
-- memory (see ARCHITECTURE.md).

CREATE TABLE ledger_currency (
    coop_id             BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    code                TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('time', 'money', 'community')),
    scale               SMALLINT NOT NULL CHECK (scale BETWEEN 0 AND 6),
    -- NULL means unlimited.
    default_debit_limit BIGINT CHECK (default_debit_limit >= 0),
    default_balance_cap BIGINT CHECK (default_balance_cap >= 0),
    -- Policies applied each month by `coopkit ledger tick`: tokens issued to
    -- every active member; demurrage in basis points of the balance above
    -- the threshold, paid to the co-op's fees account.
    issuance_per_month  BIGINT  NOT NULL DEFAULT 0 CHECK (issuance_per_month >= 0),
    demurrage_bp        BIGINT  NOT NULL DEFAULT 0 CHECK (demurrage_bp BETWEEN 0 AND 10000),
    demurrage_threshold BIGINT  NOT NULL DEFAULT 0 CHECK (demurrage_threshold >= 0),
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
