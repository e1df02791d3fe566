-- A person changes their address or deletes their account.

-- An address the person asked to change to, mailed a link that proves it;
-- it replaces their address only once followed. NULL: no change asked.
ALTER TABLE person ADD COLUMN email_pending TEXT;
-- When the account was deleted: its name and address were erased, and
-- what the ledger and the ballots keep points at it as a pseudonym.
ALTER TABLE person ADD COLUMN deleted_at INTEGER;
-- A person's own data download reads the events they caused.
CREATE INDEX event_by_actor ON event (actor_id, seq);
