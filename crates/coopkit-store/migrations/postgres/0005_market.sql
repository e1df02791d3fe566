-- The services marketplace: categories, provider profiles with their
-- services and weekly availability, bookings and their feedback. Whether a
-- booking's tokens are held, moved or released is the ledger's record; the
-- booking keeps the id of its hold.

CREATE TABLE market_category (
    coop_id          BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    key              TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    PRIMARY KEY (coop_id, key)
);

CREATE TABLE provider (
    coop_id          BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id        BIGINT  NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    bio              TEXT    NOT NULL,
    -- Language codes separated by commas: "en,es".
    languages        TEXT    NOT NULL,
    updated_at       BIGINT  NOT NULL,
    PRIMARY KEY (coop_id, person_id)
);

CREATE TABLE provider_service (
    coop_id          BIGINT  NOT NULL,
    person_id        BIGINT  NOT NULL,
    category         TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    price            BIGINT  NOT NULL CHECK (price > 0),
    unit_minutes     BIGINT  NOT NULL CHECK (unit_minutes BETWEEN 1 AND 1440),
    PRIMARY KEY (coop_id, person_id, category),
    FOREIGN KEY (coop_id, person_id) REFERENCES provider (coop_id, person_id) ON DELETE CASCADE,
    FOREIGN KEY (coop_id, category) REFERENCES market_category (coop_id, key),
    FOREIGN KEY (coop_id, currency) REFERENCES ledger_currency (coop_id, code)
);

CREATE TABLE provider_slot (
    coop_id          BIGINT  NOT NULL,
    person_id        BIGINT  NOT NULL,
    weekday          BIGINT  NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute     BIGINT  NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute       BIGINT  NOT NULL CHECK (end_minute BETWEEN 1 AND 1440 AND end_minute > start_minute),
    PRIMARY KEY (coop_id, person_id, weekday, start_minute),
    FOREIGN KEY (coop_id, person_id) REFERENCES provider (coop_id, person_id) ON DELETE CASCADE
);

CREATE TABLE booking (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coop_id          BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    requester_id     BIGINT  NOT NULL REFERENCES person (id),
    provider_id      BIGINT  NOT NULL REFERENCES person (id),
    category         TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    amount           BIGINT  NOT NULL CHECK (amount > 0),
    payment          TEXT    NOT NULL CHECK (payment IN ('ledger', 'cash')),
    starts_at        BIGINT  NOT NULL,
    ends_at          BIGINT  NOT NULL CHECK (ends_at > starts_at),
    state            TEXT    NOT NULL,
    requester_done   BOOLEAN NOT NULL,
    provider_done    BOOLEAN NOT NULL,
    -- The ledger transfer that holds the amount, as a decimal string.
    hold_id          TEXT    NOT NULL,
    notes            TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX booking_by_provider ON booking (coop_id, provider_id, starts_at);
CREATE INDEX booking_by_requester ON booking (coop_id, requester_id, starts_at);
CREATE INDEX booking_by_state ON booking (state, ends_at);

-- Constructive by design: what went well, what could be better, would you
-- book again. One per booking, from the requester; the provider may answer.
CREATE TABLE booking_feedback (
    booking_id       BIGINT  PRIMARY KEY REFERENCES booking (id) ON DELETE CASCADE,
    went_well        TEXT    NOT NULL,
    could_be_better  TEXT    NOT NULL,
    would_book_again BOOLEAN NOT NULL,
    answer           TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL
);
