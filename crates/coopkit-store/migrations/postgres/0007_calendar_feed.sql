-- A member's private calendar link for their bookings in one co-op: only
-- the SHA-256 of the link's secret is kept. A new link replaces the old.
CREATE TABLE calendar_feed (
    token_hash BYTEA  PRIMARY KEY,
    coop_id    BIGINT NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (coop_id, person_id)
);
