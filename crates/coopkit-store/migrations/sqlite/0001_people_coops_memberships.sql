-- People, co-ops, member classes, memberships, sessions and API tokens.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE person (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    locale        TEXT    NOT NULL DEFAULT 'en',
    created_at    INTEGER NOT NULL
);

CREATE TABLE coop (
    id                        INTEGER PRIMARY KEY,
    slug                      TEXT    NOT NULL UNIQUE,
    name                      TEXT    NOT NULL,
    description               TEXT    NOT NULL,
    profile                   TEXT    NOT NULL,
    joining_requires_approval BOOLEAN NOT NULL,
    dues_amount               INTEGER NOT NULL CHECK (dues_amount >= 0),
    dues_currency             TEXT    NOT NULL,
    dues_period               TEXT    NOT NULL CHECK (dues_period IN ('monthly', 'yearly')),
    created_at                INTEGER NOT NULL
);

CREATE TABLE member_class (
    id                INTEGER PRIMARY KEY,
    coop_id           INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    key               TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    open_to_join      BOOLEAN NOT NULL,
    requires_approval BOOLEAN NOT NULL,
    position          INTEGER NOT NULL,
    UNIQUE (coop_id, key)
);

CREATE TABLE membership (
    id         INTEGER PRIMARY KEY,
    coop_id    INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    class_id   INTEGER NOT NULL REFERENCES member_class (id),
    role       TEXT    NOT NULL CHECK (role IN ('member', 'coordinator', 'admin')),
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'declined', 'left')),
    applied_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES person (id),
    UNIQUE (coop_id, person_id)
);
CREATE INDEX membership_person ON membership (person_id);
CREATE INDEX membership_coop_status ON membership (coop_id, status);

-- Only a SHA-256 of each session token is kept, so a copy of the database
-- does not hand out live sessions.
CREATE TABLE session (
    token_hash BLOB    PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX session_expires ON session (expires_at);

CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX api_token_person ON api_token (person_id);

-- Failed logins, kept in the database so that every app server behind a
-- load balancer sees the same count.
CREATE TABLE login_failure (
    id     INTEGER PRIMARY KEY,
    email  TEXT    NOT NULL,
    client TEXT    NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX login_failure_email_at ON login_failure (email, at);
CREATE INDEX login_failure_client_at ON login_failure (client, at);
