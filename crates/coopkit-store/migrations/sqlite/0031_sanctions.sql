-- A member may be suspended (they cannot vote, book or pay) or expelled,
-- and the member reads why. SQLite cannot change a CHECK constraint in
-- place, so the table is built again with the two new standings; no other
-- table refers to it.
CREATE TABLE membership_new (
    id         INTEGER PRIMARY KEY,
    coop_id    INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    class_id   INTEGER NOT NULL REFERENCES member_class (id),
    role       TEXT    NOT NULL CHECK (role IN ('member', 'coordinator', 'admin')),
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'declined', 'left', 'suspended', 'expelled')),
    applied_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES person (id),
    -- Why the member is suspended or was expelled; empty otherwise.
    reason     TEXT    NOT NULL DEFAULT '',
    UNIQUE (coop_id, person_id)
);
INSERT INTO membership_new (id, coop_id, person_id, class_id, role, status, applied_at, decided_at, decided_by)
    SELECT id, coop_id, person_id, class_id, role, status, applied_at, decided_at, decided_by FROM membership;
DROP TABLE membership;
ALTER TABLE membership_new RENAME TO membership;
CREATE INDEX membership_person ON membership (person_id);
CREATE INDEX membership_coop_status ON membership (coop_id, status);
