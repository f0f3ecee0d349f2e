-- Face collections and the named faces indexed in them (their vectors are in `vectors`,
-- space 'faces/<collection id>'; their crops in the proxy bucket).
CREATE TABLE face_collections (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE faces (
    id            TEXT PRIMARY KEY NOT NULL,
    collection_id TEXT NOT NULL REFERENCES face_collections (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    source        TEXT NOT NULL,
    crop_key      TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX faces_by_collection ON faces (collection_id, name);
