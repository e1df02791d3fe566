-- The months whose policies (issuance, demurrage, dues) the server has
-- applied to each co-op, so that its schedule picks up after the last one
-- and catches up any it missed. Applying a month is idempotent in the
-- ledger itself; this only says how far the schedule has come.
CREATE TABLE ledger_month (
    coop_id    INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    -- 'YYYY-MM', in the co-op's own zone.
    period     TEXT    NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (coop_id, period)
);
