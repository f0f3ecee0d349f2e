-- The embedded S3 endpoint's index. Object bytes live in blob files named here.
CREATE TABLE IF NOT EXISTS buckets (
    name       TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS objects (
    bucket        TEXT NOT NULL,
    key           TEXT NOT NULL,
    size          INTEGER NOT NULL,
    etag          TEXT NOT NULL,
    content_type  TEXT,
    metadata      TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    -- JSON list of {blob, size}: one for a plain PUT, one per part for a multipart object.
    segments      TEXT NOT NULL,
    parts_count   INTEGER,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS uploads (
    upload_id    TEXT PRIMARY KEY NOT NULL,
    bucket       TEXT NOT NULL,
    key          TEXT NOT NULL,
    content_type TEXT,
    metadata     TEXT NOT NULL,
    initiated    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);

CREATE TABLE IF NOT EXISTS parts (
    upload_id     TEXT NOT NULL,
    part_number   INTEGER NOT NULL,
    size          INTEGER NOT NULL,
    etag          TEXT NOT NULL,
    md5           BLOB NOT NULL,
    blob          TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;

-- Completions kept a day: a client retrying a completion whose answer it lost gets the
-- same object, as from S3.
CREATE TABLE IF NOT EXISTS completed_uploads (
    upload_id    TEXT PRIMARY KEY NOT NULL,
    bucket       TEXT NOT NULL,
    key          TEXT NOT NULL,
    etag         TEXT NOT NULL,
    -- JSON list of [part number, ETag] the completion named.
    parts        TEXT NOT NULL,
    completed_at INTEGER NOT NULL
);
