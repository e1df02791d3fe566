-- People, co-ops, member classes, memberships, sessions and API tokens.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE person (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    locale        TEXT    NOT NULL DEFAULT 'en',
    created_at    BIGINT  NOT NULL
);

CREATE TABLE coop (
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                      TEXT    NOT NULL UNIQUE,
    name                      TEXT    NOT NULL,
    description               TEXT    NOT NULL,
    profile                   TEXT    NOT NULL,
    joining_requires_approval BOOLEAN NOT NULL,
    dues_amount               BIGINT  NOT NULL CHECK (dues_amount >= 0),
    dues_currency             TEXT    NOT NULL,
    dues_period               TEXT    NOT NULL CHECK (dues_period IN ('monthly', 'yearly')),
    created_at                BIGINT  NOT NULL
);

CREATE TABLE member_class (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coop_id           BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    key               TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    open_to_join      BOOLEAN NOT NULL,
    requires_approval BOOLEAN NOT NULL,
    position          BIGINT  NOT NULL,
    UNIQUE (coop_id, key)
);

CREATE TABLE membership (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coop_id    BIGINT  NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id  BIGINT  NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    class_id   BIGINT  NOT NULL REFERENCES member_class (id),
    role       TEXT    NOT NULL CHECK (role IN ('member', 'coordinator', 'admin')),
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'declined', 'left')),
    applied_at BIGINT  NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT  REFERENCES person (id),
    UNIQUE (coop_id, person_id)
);
CREATE INDEX membership_person ON membership (person_id);
CREATE INDEX membership_coop_status ON membership (coop_id, status);

-- Only a SHA-256 of each session token is kept, so a copy of the database
-- does not hand out live sessions.
CREATE TABLE session (
    token_hash BYTEA   PRIMARY KEY,
    person_id  BIGINT  NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX session_expires ON session (expires_at);

CREATE TABLE api_token (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id    BIGINT  NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   BYTEA   NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX api_token_person ON api_token (person_id);

-- Failed logins, kept in the database so that every app server behind a
-- load balancer sees the same count.
CREATE TABLE login_failure (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email  TEXT    NOT NULL,
    client TEXT    NOT NULL,
    at     BIGINT  NOT NULL
);
CREATE INDEX login_failure_email_at ON login_failure (email, at);
CREATE INDEX login_failure_client_at ON login_failure (client, at);
