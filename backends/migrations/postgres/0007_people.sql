-- People: the faces seen in assets, grouped across assets by the people indexer and
-- corrected by reviewers. Each appearance's vector is in `vectors`, space 'people'.
CREATE TABLE people (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One row per person per asset ('<asset id>/<n>', as in the asset's faces.json): placed
-- in a person, or recognised as a collection face (no foreign key: a deleted face is
-- dealt with when the asset is relabelled).
CREATE TABLE appearances (
    id         TEXT PRIMARY KEY NOT NULL,
    asset_id   TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    person_id  TEXT REFERENCES people (id),
    face_id    TEXT,
    chip_key   TEXT NOT NULL,
    pinned     BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX appearances_by_asset ON appearances (asset_id);
CREATE INDEX appearances_by_person ON appearances (person_id);
CREATE INDEX appearances_by_face ON appearances (face_id);
-- "Not this person": kept by appearance id, so it outlives the appearance's row when its
-- asset is analysed again.
CREATE TABLE person_exclusions (
    appearance_id TEXT NOT NULL,
    person_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    PRIMARY KEY (appearance_id, person_id)
);
