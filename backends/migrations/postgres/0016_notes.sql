-- Reviewers' notes on assets: a moment or range (begin_ms, end_ms), optionally a place on
-- the frame (region, JSON), and replies (reply_to), which go with their note; all go with
-- their asset.
CREATE TABLE notes (
    id         TEXT PRIMARY KEY NOT NULL,
    asset_id   TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    reply_to   TEXT REFERENCES notes (id) ON DELETE CASCADE,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    begin_ms   BIGINT NOT NULL,
    end_ms     BIGINT NOT NULL,
    region     TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX notes_by_asset ON notes (asset_id, created_at);
