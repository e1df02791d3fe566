-- While a vote is open, its secret and its ballots' voter tags live in two
-- tables that hold nothing else, and closing takes the vote's rows out of
-- them: the proposals and the closed ballots are never written with a tag
-- or a secret, so whatever the engine keeps of erased or replaced rows is
-- confined to these two small tables, which closing scrubs (see
-- `Store::close_proposal`).
CREATE TABLE governance_open_vote (
    proposal_id INTEGER PRIMARY KEY REFERENCES governance_proposal (id) ON DELETE CASCADE,
    -- Ties each ballot to its voter, so a vote can be changed.
    secret      BLOB    NOT NULL
);

-- No person here: a ballot is found by its voter tag (a keyed hash of the
-- voter under the vote's secret) or by the hash of its receipt code.
CREATE TABLE governance_open_ballot (
    proposal_id  INTEGER NOT NULL REFERENCES governance_open_vote (proposal_id) ON DELETE CASCADE,
    voter_tag    BLOB    NOT NULL,
    receipt_hash BLOB    NOT NULL UNIQUE,
    class_key    TEXT    NOT NULL,
    choice       TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    PRIMARY KEY (proposal_id, voter_tag)
);

INSERT INTO governance_open_vote (proposal_id, secret)
    SELECT id, ballot_secret FROM governance_proposal WHERE ballot_secret IS NOT NULL;
INSERT INTO governance_open_ballot (proposal_id, voter_tag, receipt_hash, class_key, choice, reason)
    SELECT proposal_id, voter_tag, receipt_hash, class_key, choice, reason
    FROM governance_ballot WHERE voter_tag IS NOT NULL;
ALTER TABLE governance_proposal DROP COLUMN ballot_secret;

-- The ballots of closed votes, without the column for a tag: written once,
-- at closing, in the order of their receipts' hashes.
CREATE TABLE closed_ballot (
    id           INTEGER PRIMARY KEY,
    proposal_id  INTEGER NOT NULL REFERENCES governance_proposal (id) ON DELETE CASCADE,
    receipt_hash BLOB    NOT NULL UNIQUE,
    class_key    TEXT    NOT NULL,
    -- 'yes', 'no', 'abstain', 'block', or a JSON array of candidate
    -- numbers (from 0) in order of preference.
    choice       TEXT    NOT NULL,
    -- Why a member blocks; empty otherwise.
    reason       TEXT    NOT NULL
);
INSERT INTO closed_ballot (id, proposal_id, receipt_hash, class_key, choice, reason)
    SELECT id, proposal_id, receipt_hash, class_key, choice, reason
    FROM governance_ballot WHERE voter_tag IS NULL;
DROP TABLE governance_ballot;
ALTER TABLE closed_ballot RENAME TO governance_ballot;
CREATE INDEX governance_ballot_by_proposal ON governance_ballot (proposal_id, receipt_hash);
