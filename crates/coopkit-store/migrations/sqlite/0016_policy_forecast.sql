-- Forecasts of a token-rule change: the simulator run on a co-op's own
-- members and balances under its current rules and under the proposed
-- ones, kept so a governance proposal can show them to the members.
CREATE TABLE policy_forecast (
    id             INTEGER PRIMARY KEY,
    coop_id        INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    currency       TEXT    NOT NULL,
    -- JSON: the co-op as simulated, the current and the proposed rules.
    params         TEXT    NOT NULL,
    -- JSON: each set of rules' figures with their 95% intervals, and the
    -- weekly series the charts are drawn from.
    result         TEXT    NOT NULL,
    proposal_id    INTEGER REFERENCES governance_proposal (id),
    -- Once the proposal's vote has closed: 'enacted' (the currency's rules
    -- became the proposed ones) or 'rejected'.
    outcome        TEXT,
    created_by     INTEGER NOT NULL REFERENCES person (id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX policy_forecast_by_coop ON policy_forecast (coop_id, proposal_id);
