-- The journal members download is sealed: each event's memo, cause and
-- owner are replaced by a salted commitment, and the chain's hashes cover
-- the commitments (see coopkit_ledger::seal). The salts derive from the
-- co-op's seal key, kept here and never published; the writer makes it on
-- the co-op's first use, re-chaining under it a journal written before
-- journals were sealed. An auditor's public key, once the co-op registers
-- one, receives every event's opening, sealed, in each member's download.
CREATE TABLE ledger_seal (
    coop_id     INTEGER PRIMARY KEY REFERENCES coop (id) ON DELETE CASCADE,
    seal_key    BLOB NOT NULL CHECK (length(seal_key) = 32),
    auditor_key BLOB CHECK (auditor_key IS NULL OR length(auditor_key) = 32)
);
