-- The work queue at scale: workers on many machines claim jobs with FOR UPDATE SKIP LOCKED.
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
    run_after    BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    created_at   TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    -- The step a running job is on (fixity, metadata, proxies...), for the live view.
    step         TEXT,
    -- Unix milliseconds of the last change a watcher cares about (not lease renewals).
    updated_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_due ON jobs (status, run_after);
CREATE INDEX jobs_by_asset ON jobs (asset_id, created_at);
CREATE INDEX jobs_by_change ON jobs (updated_at);
CREATE UNIQUE INDEX jobs_unfinished_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');

CREATE FUNCTION jobs_stamp() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.error IS DISTINCT FROM OLD.error
       OR NEW.attempts IS DISTINCT FROM OLD.attempts OR NEW.step IS DISTINCT FROM OLD.step THEN
        NEW.updated_at := (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_stamp BEFORE INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_stamp();
