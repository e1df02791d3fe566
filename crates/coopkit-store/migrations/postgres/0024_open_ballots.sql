-- While a vote is open, its secret and its ballots' voter tags live in two
-- tables that hold nothing else, and closing takes the vote's rows out of
-- them: the proposals and the closed ballots are never written with a tag
-- or a secret, so whatever the engine keeps of erased or replaced rows is
-- confined to these two small tables, which closing writes afresh (see
-- `Store::close_proposal`).
CREATE TABLE governance_open_vote (
    proposal_id BIGINT PRIMARY KEY REFERENCES governance_proposal (id) ON DELETE CASCADE,
    -- Ties each ballot to its voter, so a vote can be changed.
    secret      BYTEA  NOT NULL
);

-- No person here: a ballot is found by its voter tag (a keyed hash of the
-- voter under the vote's secret) or by the hash of its receipt code.
CREATE TABLE governance_open_ballot (
    proposal_id  BIGINT NOT NULL REFERENCES governance_open_vote (proposal_id) ON DELETE CASCADE,
    voter_tag    BYTEA  NOT NULL,
    receipt_hash BYTEA  NOT NULL UNIQUE,
    class_key    TEXT   NOT NULL,
    choice       TEXT   NOT NULL,
    reason       TEXT   NOT NULL,
    PRIMARY KEY (proposal_id, voter_tag)
);

INSERT INTO governance_open_vote (proposal_id, secret)
    SELECT id, ballot_secret FROM governance_proposal WHERE ballot_secret IS NOT NULL;
INSERT INTO governance_open_ballot (proposal_id, voter_tag, receipt_hash, class_key, choice, reason)
    SELECT proposal_id, voter_tag, receipt_hash, class_key, choice, reason
    FROM governance_ballot WHERE voter_tag IS NOT NULL;
DELETE FROM governance_ballot WHERE voter_tag IS NOT NULL;
ALTER TABLE governance_ballot DROP COLUMN voter_tag;
ALTER TABLE governance_proposal DROP COLUMN ballot_secret;
CREATE INDEX governance_ballot_by_proposal ON governance_ballot (proposal_id, receipt_hash);

-- A dropped column's values stay in the stored rows, and deleted rows stay
-- in the file until a vacuum. Changing a column's type through an
-- expression makes PostgreSQL write the table afresh with only the rows
-- this migration sees, and without the dropped columns (VACUUM FULL cannot
-- run in a migration's transaction, and keeps rows an older snapshot
-- might still read).
ALTER TABLE governance_ballot ALTER COLUMN reason TYPE TEXT USING reason || '';
ALTER TABLE governance_proposal ALTER COLUMN body TYPE TEXT USING body || '';
