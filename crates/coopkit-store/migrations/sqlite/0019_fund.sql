-- A co-op's fund: members pledge into the co-op's fund account (ledger
-- transfers); creators propose projects with budgets; each project is put
-- to the members as a proposal, and an approved one is paid from the fund.
-- `approved` waits for the fund to hold its budget; `funded` is paid.
CREATE TABLE fund_project (
    id          INTEGER PRIMARY KEY,
    coop_id     INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    creator_id  INTEGER NOT NULL REFERENCES person (id),
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    budget      INTEGER NOT NULL CHECK (budget > 0),
    proposal_id INTEGER NOT NULL UNIQUE REFERENCES governance_proposal (id),
    state       TEXT    NOT NULL CHECK (state IN ('proposed', 'approved', 'funded', 'rejected')),
    created_at  INTEGER NOT NULL
);
CREATE INDEX fund_project_by_coop ON fund_project (coop_id, id);

-- What the bylaws let the fund pay each investor a year: at most this part
-- of their pledged capital, in basis points (0: the fund pays no returns).
ALTER TABLE catalogue_settings ADD COLUMN fund_return_cap_bp INTEGER NOT NULL DEFAULT 0
    CHECK (fund_return_cap_bp BETWEEN 0 AND 10000);
