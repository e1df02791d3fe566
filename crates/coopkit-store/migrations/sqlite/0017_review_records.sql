-- The two records of a queued pair as the linker compared them, so a
-- moderator's decision becomes an example the linker learns from.
-- Pairs queued before this migration have none and teach nothing.
ALTER TABLE directory_review ADD COLUMN left_record TEXT;
ALTER TABLE directory_review ADD COLUMN right_record TEXT;
