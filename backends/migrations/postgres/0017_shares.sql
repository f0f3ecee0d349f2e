-- Moments shared through secret links: a stretch of an asset (begin_ms, end_ms), the
-- results shown with it (kinds, JSON), the hash of the link's secret (the secret itself
-- is never kept), when it expires and who revoked it; and each opening of a link.
CREATE TABLE shares (
    id          TEXT PRIMARY KEY NOT NULL,
    asset_id    TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    begin_ms    BIGINT NOT NULL,
    end_ms      BIGINT NOT NULL,
    kinds       TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  TEXT
);
CREATE INDEX shares_by_maker ON shares (created_by, created_at);
CREATE TABLE share_views (
    share_id  TEXT NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    viewed_at TEXT NOT NULL,
    address   TEXT,
    agent     TEXT
);
CREATE INDEX share_views_by_share ON share_views (share_id, viewed_at);
