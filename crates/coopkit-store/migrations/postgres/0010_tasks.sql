-- Tasks with a bounty: posted by a member or by the co-op (from its fund),
-- claimed by a member, who is paid when a coordinator accepts the work.
-- The bounty is held in the ledger from the claim until the deadline.
CREATE TABLE task (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coop_id     BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    posted_by   BIGINT  NOT NULL REFERENCES person (id),
    -- Paid from the co-op's fund rather than the poster's own account.
    from_fund   BOOLEAN NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    currency    TEXT    NOT NULL,
    bounty      BIGINT  NOT NULL CHECK (bounty > 0),
    deadline    BIGINT  NOT NULL,
    -- 'open', 'claimed', 'delivered', 'accepted'.
    state       TEXT    NOT NULL,
    claimed_by  BIGINT  REFERENCES person (id),
    -- Each claim holds the bounty under a new id: claim number n.
    claims      BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    FOREIGN KEY (coop_id, currency) REFERENCES ledger_currency (coop_id, code)
);
CREATE INDEX task_by_coop ON task (coop_id, state, deadline);
