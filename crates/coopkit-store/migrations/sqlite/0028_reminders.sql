-- When each reminder went, so that it goes once; NULL: not yet. Who was
-- reminded is in the outbox; never who voted when.
-- A day before a vote closes, to those who have not voted.
ALTER TABLE governance_proposal ADD COLUMN reminded_at INTEGER;
-- A day before a booking starts, to both sides.
ALTER TABLE booking ADD COLUMN reminded_at INTEGER;
-- Once it has ended, to each side that has not said it was done.
ALTER TABLE booking ADD COLUMN done_reminded_at INTEGER;
