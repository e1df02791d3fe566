-- The thread on a booking: what its two sides write to each other
-- (coopkit_market::thread), in the order written.

CREATE TABLE booking_message (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id BIGINT  NOT NULL REFERENCES booking (id) ON DELETE CASCADE,
    author_id  BIGINT  NOT NULL REFERENCES person (id),
    body       TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 8000),
    created_at BIGINT  NOT NULL
);
CREATE INDEX booking_message_thread ON booking_message (booking_id, id);
