-- A message may tell of a suggested directory edit's decision: the
-- directory is the server's, not a co-op's, so there is no event to point
-- to, and the message points to the edit.
ALTER TABLE mail_outbox ADD COLUMN directory_edit_id BIGINT REFERENCES directory_edit (id);
