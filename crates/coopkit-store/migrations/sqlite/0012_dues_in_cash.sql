-- Dues a member paid in cash, recorded by a coordinator: the monthly tick
-- does not charge their account for that period.
CREATE TABLE dues_paid_in_cash (
    coop_id     INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    -- The period the dues are for, YYYY-MM (January for yearly dues).
    period      TEXT    NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES person (id),
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (coop_id, person_id, period)
);
