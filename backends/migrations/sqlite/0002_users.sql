-- Local identity: users, refresh tokens (hashed), failed sign-in counters.
CREATE TABLE users (
    username      TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    email         TEXT NOT NULL,
    user_group    TEXT NOT NULL CHECK (user_group IN ('viewer', 'creator', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the token: a stolen database does not yield live sessions.
    token_hash  TEXT PRIMARY KEY NOT NULL,
    username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE ON UPDATE CASCADE,
    expires_at  INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (username);

-- Kept for any name tried, existing or not, so delays do not reveal which users exist.
CREATE TABLE login_failures (
    username        TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
);
