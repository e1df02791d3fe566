-- Verification badges: a coordinator records that a check made outside
-- coopkit (a background check, a first-aid course) was done, and when.
CREATE TABLE provider_badge (
    coop_id      INTEGER NOT NULL,
    person_id    INTEGER NOT NULL,
    label        TEXT    NOT NULL,
    -- The day the check was done, YYYY-MM-DD.
    done_on      TEXT    NOT NULL,
    confirmed_by INTEGER NOT NULL REFERENCES person (id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (coop_id, person_id, label),
    FOREIGN KEY (coop_id, person_id) REFERENCES provider (coop_id, person_id) ON DELETE CASCADE
);
