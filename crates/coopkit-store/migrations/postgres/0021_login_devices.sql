-- Browsers that have logged in to an account before: a login from one is
-- not slowed by failures for that account from elsewhere (OWASP's device
-- cookies). Only the digest of the cookie's secret is kept.
CREATE TABLE login_device (
    token_hash BYTEA   PRIMARY KEY,
    email      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX login_device_created ON login_device (created_at);
CREATE INDEX login_failure_email_client_at ON login_failure (email, client, at);
