-- The catalog at scale, in the shape the SQLite catalog reached by its migrations 0001-0005.
-- Times are RFC 3339 UTC text with milliseconds, as in SQLite: they sort in time order.
CREATE TABLE instance (
    id         TEXT PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE assets (
    id          TEXT PRIMARY KEY NOT NULL,
    asset_type  TEXT NOT NULL CHECK (asset_type IN ('video', 'audio', 'image', 'document', 'other')),
    filename    TEXT NOT NULL,
    size        BIGINT NOT NULL CHECK (size >= 0),
    md5         TEXT,
    sha256      TEXT,
    status      TEXT NOT NULL,
    group_name  TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}',
    ai_options  TEXT,
    bucket      TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    duration_ms BIGINT,
    error       TEXT,
    technical   TEXT,
    outputs     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX assets_by_created ON assets (created_at DESC, id DESC);
CREATE INDEX assets_by_status ON assets (status);
CREATE UNIQUE INDEX assets_by_object ON assets (bucket, object_key);

CREATE TABLE uploads (
    id                TEXT PRIMARY KEY NOT NULL,
    asset_id          TEXT NOT NULL,
    bucket            TEXT NOT NULL,
    object_key        TEXT NOT NULL,
    storage_upload_id TEXT NOT NULL,
    size              BIGINT NOT NULL,
    part_size         BIGINT NOT NULL,
    part_count        BIGINT NOT NULL,
    md5               TEXT,
    created_by        TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('open', 'completing', 'completed', 'aborted')),
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX uploads_by_state ON uploads (state, created_at);

-- Local identity. Names are unique whatever their case, as in SQLite's NOCASE.
CREATE TABLE users (
    username      TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    user_group    TEXT NOT NULL CHECK (user_group IN ('viewer', 'creator', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX users_by_lower_name ON users (lower(username));

CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE ON UPDATE CASCADE,
    expires_at  BIGINT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (username);

CREATE TABLE login_failures (
    username        TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
