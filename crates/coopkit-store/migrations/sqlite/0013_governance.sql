-- Proposals, the roll of who may vote on each (frozen when voting opens),
-- secret ballots and comments.
CREATE TABLE governance_proposal (
    id             INTEGER PRIMARY KEY,
    coop_id        INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    author_id      INTEGER NOT NULL REFERENCES person (id),
    title          TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    -- 'motion', 'bylaw', 'budget', 'election', 'allocation'.
    kind           TEXT    NOT NULL,
    -- 'majority', 'supermajority', 'consent' (motions) or a counting
    -- method: 'plurality', 'approval', 'irv', 'scottish-stv', 'meek-stv'.
    method         TEXT    NOT NULL,
    -- JSON: the threshold and the bylaws' class rules, as decided.
    rules          TEXT    NOT NULL,
    -- JSON array of the candidates of an election; [] for motions.
    options        TEXT    NOT NULL,
    seats          INTEGER NOT NULL CHECK (seats >= 1),
    -- Only this class votes; NULL: every member.
    class_key      TEXT,
    quorum_percent INTEGER NOT NULL CHECK (quorum_percent BETWEEN 0 AND 100),
    opens_at       INTEGER NOT NULL,
    closes_at      INTEGER NOT NULL CHECK (closes_at > opens_at),
    -- 'scheduled', 'open', 'closed'.
    state          TEXT    NOT NULL,
    -- Seeds any drawing of lots; shown from the start.
    seed           INTEGER NOT NULL,
    -- Ties each ballot to its voter, so a vote can be changed, while
    -- voting is open; erased at closing, after which nobody can.
    ballot_secret  BLOB,
    -- JSON, written once at closing.
    result         TEXT,
    -- The patronage allocation this proposal would approve.
    allocation_id  INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX governance_proposal_by_coop ON governance_proposal (coop_id, created_at);
CREATE INDEX governance_proposal_due ON governance_proposal (state, closes_at);

CREATE TABLE governance_roll (
    proposal_id INTEGER NOT NULL REFERENCES governance_proposal (id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES person (id),
    class_key   TEXT    NOT NULL,
    voted_at    INTEGER,
    PRIMARY KEY (proposal_id, person_id)
);

-- No person here: a ballot is found by its voter tag (a keyed hash of the
-- voter, NULL once voting closes) or by the hash of its receipt code.
CREATE TABLE governance_ballot (
    id           INTEGER PRIMARY KEY,
    proposal_id  INTEGER NOT NULL REFERENCES governance_proposal (id) ON DELETE CASCADE,
    voter_tag    BLOB,
    receipt_hash BLOB    NOT NULL UNIQUE,
    class_key    TEXT    NOT NULL,
    -- 'yes', 'no', 'abstain', 'block', or a JSON array of candidate
    -- numbers (from 0) in order of preference.
    choice       TEXT    NOT NULL,
    -- Why a member blocks; empty otherwise.
    reason       TEXT    NOT NULL,
    UNIQUE (proposal_id, voter_tag)
);

CREATE TABLE governance_comment (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES governance_proposal (id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES person (id),
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX governance_comment_by_proposal ON governance_comment (proposal_id, id);

-- The bylaws' rules for classes in votes (JSON): pass in every class,
-- class weights, a cap. Each proposal copies them when it is made.
ALTER TABLE coop ADD COLUMN class_rules TEXT NOT NULL DEFAULT '{}';
