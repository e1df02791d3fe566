-- Where providers work, favourites, and open requests with the matching
-- engine's proposals: offers a provider accepts or declines.

-- Millionths of a degree; NULL when the provider gave no area.
ALTER TABLE provider ADD COLUMN lat_e6 BIGINT;
ALTER TABLE provider ADD COLUMN lon_e6 BIGINT;
ALTER TABLE provider ADD COLUMN radius_m BIGINT NOT NULL DEFAULT 0;

CREATE TABLE favourite (
    coop_id     BIGINT NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id   BIGINT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    PRIMARY KEY (coop_id, person_id, provider_id)
);

-- A member's call for help, open until a provider takes it.
CREATE TABLE market_request (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coop_id      BIGINT NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    requester_id BIGINT NOT NULL REFERENCES person (id),
    category     TEXT    NOT NULL,
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL CHECK (ends_at > starts_at),
    lat_e6       BIGINT NOT NULL,
    lon_e6       BIGINT NOT NULL,
    language     TEXT    NOT NULL,
    notes        TEXT    NOT NULL,
    -- The booking that answered it; NULL while open.
    booking_id   BIGINT REFERENCES booking (id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX market_request_open ON market_request (coop_id, booking_id, starts_at);

-- The engine's offer of a request to a provider, with its reasons.
CREATE TABLE proposal (
    request_id  BIGINT NOT NULL REFERENCES market_request (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES person (id),
    reasons     TEXT    NOT NULL,
    -- 'offered', 'accepted' or 'declined'.
    answer      TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (request_id, provider_id)
);
