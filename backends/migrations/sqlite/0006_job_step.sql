-- The step a running job is on (fixity, metadata, proxies...), for the live view.
ALTER TABLE jobs ADD COLUMN step TEXT;
DROP TRIGGER jobs_stamp_update;
CREATE TRIGGER jobs_stamp_update AFTER UPDATE ON jobs FOR EACH ROW
WHEN NEW.status IS NOT OLD.status OR NEW.error IS NOT OLD.error OR NEW.attempts IS NOT OLD.attempts
     OR NEW.step IS NOT OLD.step
BEGIN
    UPDATE jobs SET updated_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = NEW.id;
END;
