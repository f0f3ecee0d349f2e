-- Originals of deleted assets left in the ingest bucket: the bucket scan must not make
-- them assets again. Registering one through the API on purpose still works.
CREATE TABLE deleted_originals (
    bucket     TEXT NOT NULL,
    object_key TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (bucket, object_key)
);
