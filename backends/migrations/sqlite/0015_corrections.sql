-- Reviewers' corrections to assets' results, which are also each asset's audit trail:
-- rows are only added and marked undone, and go with their asset. `body` is the
-- correction as JSON (`shared::Correction`).
CREATE TABLE corrections (
    id         TEXT PRIMARY KEY NOT NULL,
    asset_id   TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    undone_by  TEXT,
    undone_at  TEXT
);
CREATE INDEX corrections_by_asset ON corrections (asset_id, created_at);
