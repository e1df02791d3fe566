-- Roles on the whole server: operators (granted at the command line, or
-- listed in coops.operators) and directory moderators (appointed by an
-- operator, from a page or the command line). Moderators move here from
-- their own table.
CREATE TABLE server_role (
    person_id  INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('operator', 'moderator')),
    granted_at INTEGER NOT NULL,
    -- Who appointed them from a page; NULL at the command line.
    granted_by INTEGER REFERENCES person (id) ON DELETE SET NULL,
    PRIMARY KEY (person_id, role)
);
INSERT INTO server_role (person_id, role, granted_at)
    SELECT person_id, 'moderator', granted_at FROM directory_moderator;
DROP TABLE directory_moderator;
