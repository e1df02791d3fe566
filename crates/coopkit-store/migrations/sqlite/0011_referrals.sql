-- Who invited whom, and the co-op's bonus for it.
CREATE TABLE referral (
    coop_id     INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    referrer_id INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    -- Once the referred member is in, the bonus (if any) is paid once.
    rewarded    BOOLEAN NOT NULL,
    PRIMARY KEY (coop_id, person_id)
);

-- Paid from the co-op's issuance account to the referrer; none: no row.
CREATE TABLE referral_bonus (
    coop_id  INTEGER PRIMARY KEY REFERENCES coop (id) ON DELETE CASCADE,
    currency TEXT    NOT NULL,
    amount   INTEGER NOT NULL CHECK (amount > 0),
    FOREIGN KEY (coop_id, currency) REFERENCES ledger_currency (coop_id, code)
);
