-- A member may be suspended (they cannot vote, book or pay) or expelled,
-- and the member reads why.
ALTER TABLE membership DROP CONSTRAINT membership_status_check;
ALTER TABLE membership ADD CONSTRAINT membership_status_check
    CHECK (status IN ('pending', 'active', 'declined', 'left', 'suspended', 'expelled'));
-- Why the member is suspended or was expelled; empty otherwise.
ALTER TABLE membership ADD COLUMN reason TEXT NOT NULL DEFAULT '';
