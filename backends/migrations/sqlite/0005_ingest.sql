-- What ingest learned and made, and why an asset failed.
ALTER TABLE assets ADD COLUMN error TEXT;
ALTER TABLE assets ADD COLUMN technical TEXT;
ALTER TABLE assets ADD COLUMN outputs TEXT;
-- Unix milliseconds of a job's last change, for the live events feed.
ALTER TABLE jobs ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_change ON jobs (updated_at);
-- Stamp every change a watcher cares about (not lease renewals); recursive triggers are
-- off, so the stamp itself does not fire the trigger again.
CREATE TRIGGER jobs_stamp_insert AFTER INSERT ON jobs FOR EACH ROW BEGIN
    UPDATE jobs SET updated_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = NEW.id;
END;
CREATE TRIGGER jobs_stamp_update AFTER UPDATE ON jobs FOR EACH ROW
WHEN NEW.status IS NOT OLD.status OR NEW.error IS NOT OLD.error OR NEW.attempts IS NOT OLD.attempts
BEGIN
    UPDATE jobs SET updated_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = NEW.id;
END;
