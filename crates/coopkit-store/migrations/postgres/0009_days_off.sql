-- Exceptions to a provider's week: whole days they are away.
CREATE TABLE provider_day_off (
    coop_id   BIGINT  NOT NULL,
    person_id BIGINT  NOT NULL,
    -- The first millisecond of the day, in the co-op's wall-clock time.
    day       BIGINT  NOT NULL,
    PRIMARY KEY (coop_id, person_id, day),
    FOREIGN KEY (coop_id, person_id) REFERENCES provider (coop_id, person_id) ON DELETE CASCADE
);
