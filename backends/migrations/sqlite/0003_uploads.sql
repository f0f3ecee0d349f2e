-- Assets may now be of a type nothing processes ('other'), carry their analysis options,
-- and are unique per stored object. SQLite cannot change a CHECK, so the table is rebuilt.
CREATE TABLE assets_new (
    id          TEXT PRIMARY KEY NOT NULL,
    asset_type  TEXT NOT NULL CHECK (asset_type IN ('video', 'audio', 'image', 'document', 'other')),
    filename    TEXT NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    md5         TEXT,
    sha256      TEXT,
    status      TEXT NOT NULL,
    group_name  TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}',
    ai_options  TEXT,
    bucket      TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    duration_ms INTEGER,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO assets_new (id, asset_type, filename, size, md5, sha256, status, group_name, attributes, bucket,
                        object_key, duration_ms, created_at, updated_at)
    SELECT id, asset_type, filename, size, md5, sha256, status, group_name, attributes, bucket,
           object_key, duration_ms, created_at, updated_at FROM assets;
DROP TABLE assets;
ALTER TABLE assets_new RENAME TO assets;
CREATE INDEX assets_by_created ON assets (created_at DESC, id DESC);
CREATE INDEX assets_by_status ON assets (status);
CREATE UNIQUE INDEX assets_by_object ON assets (bucket, object_key);

-- Multipart uploads in flight through the API; kept after they finish so that a second
-- completion or a late part request gets a clear answer.
CREATE TABLE uploads (
    id                TEXT PRIMARY KEY NOT NULL,
    asset_id          TEXT NOT NULL,
    bucket            TEXT NOT NULL,
    object_key        TEXT NOT NULL,
    storage_upload_id TEXT NOT NULL,
    size              INTEGER NOT NULL,
    part_size         INTEGER NOT NULL,
    part_count        INTEGER NOT NULL,
    md5               TEXT,
    created_by        TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('open', 'completing', 'completed', 'aborted')),
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX uploads_by_state ON uploads (state, created_at);
