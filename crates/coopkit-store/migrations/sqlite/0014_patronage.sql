-- Closing fiscal years: the bylaws' rules, each year's allocation (which
-- the members approve by vote before it reaches the ledger) and each
-- member's line of it.
ALTER TABLE coop ADD COLUMN patronage_rules TEXT NOT NULL DEFAULT '';

CREATE TABLE patronage_allocation (
    id               INTEGER PRIMARY KEY,
    coop_id          INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    -- The fiscal year's name, such as '2026'.
    year             TEXT    NOT NULL,
    period_start     INTEGER NOT NULL,
    period_end       INTEGER NOT NULL CHECK (period_end > period_start),
    -- Net result in minor units of `currency`; negative for a loss.
    net              INTEGER NOT NULL,
    currency         TEXT    NOT NULL,
    -- Where retained allocations are credited: members' capital accounts.
    capital_currency TEXT    NOT NULL,
    -- JSON: the bylaws' rules used, and the computed allocation.
    rules            TEXT    NOT NULL,
    result           TEXT    NOT NULL,
    -- 'proposed', 'posted', 'rejected'.
    state            TEXT    NOT NULL,
    proposal_id      INTEGER REFERENCES governance_proposal (id),
    created_by       INTEGER NOT NULL REFERENCES person (id),
    created_at       INTEGER NOT NULL,
    UNIQUE (coop_id, year)
);

CREATE TABLE patronage_line (
    allocation_id INTEGER NOT NULL REFERENCES patronage_allocation (id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES person (id),
    class_key     TEXT    NOT NULL,
    patronage     INTEGER NOT NULL,
    share_ppm     INTEGER NOT NULL,
    amount        INTEGER NOT NULL,
    cash          INTEGER NOT NULL,
    retained      INTEGER NOT NULL,
    PRIMARY KEY (allocation_id, person_id)
);
CREATE INDEX patronage_line_by_person ON patronage_line (person_id);
