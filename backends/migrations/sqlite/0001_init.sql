-- One row: the identity of this installation, made when the catalog is first created.
CREATE TABLE instance (
    id         TEXT PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE assets (
    id          TEXT PRIMARY KEY NOT NULL,
    asset_type  TEXT NOT NULL CHECK (asset_type IN ('video', 'audio', 'image', 'document')),
    filename    TEXT NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    md5         TEXT,
    sha256      TEXT,
    status      TEXT NOT NULL,
    group_name  TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}',
    bucket      TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    duration_ms INTEGER,
    -- RFC 3339 UTC with milliseconds: sorts as text in time order.
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE INDEX assets_by_created ON assets (created_at DESC, id DESC);
CREATE INDEX assets_by_status ON assets (status);
