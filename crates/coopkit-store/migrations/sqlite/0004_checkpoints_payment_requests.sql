-- Signed checkpoints: the co-op's Ed25519 signature over the hash of one
-- journal batch. Only the public half of the key is ever stored.
CREATE TABLE ledger_checkpoint (
    coop_id    INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    -- The slug the checkpoint was signed for: part of the signed message.
    signed_for TEXT    NOT NULL,
    hash       BLOB    NOT NULL,
    public_key BLOB    NOT NULL,
    signature  BLOB    NOT NULL,
    PRIMARY KEY (coop_id, seq, public_key)
);

-- A member asking to be paid: a shop showing a QR code at the till. Whether
-- it has been paid is the ledger's to say: paying it makes the transfer
-- whose id is the request's, so it can be paid once.
CREATE TABLE payment_request (
    id         TEXT    PRIMARY KEY,
    coop_id    INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    payee_id   INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    currency   TEXT    NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    memo       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (coop_id, currency) REFERENCES ledger_currency (coop_id, code)
);
CREATE INDEX payment_request_by_payee ON payment_request (coop_id, payee_id, created_at);
