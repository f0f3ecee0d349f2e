-- The work queue of the embedded deployment: jobs with leases, retries and reasons.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    asset_id     TEXT,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    error        TEXT,
    dedupe_key   TEXT,
    -- Unix milliseconds: when a queued job is due, and until when a running job's worker holds it.
    run_after    INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    created_at   TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT
);
CREATE INDEX jobs_due ON jobs (status, run_after);
CREATE INDEX jobs_by_asset ON jobs (asset_id, created_at);
-- One unfinished job per dedupe key.
CREATE UNIQUE INDEX jobs_unfinished_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
