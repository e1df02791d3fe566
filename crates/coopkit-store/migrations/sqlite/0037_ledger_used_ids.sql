-- With each snapshot, the filter of the transfer ids the co-op's ledger has
-- used up to it (coopkit_ledger::UsedIds, as its bytes): the writer answers
-- "never used" for nearly every new id from memory instead of the index.
-- Only the newest snapshot keeps one. A snapshot without one (as every
-- snapshot before this migration) has its filter built from the index.
ALTER TABLE ledger_snapshot ADD COLUMN used_ids BLOB;
