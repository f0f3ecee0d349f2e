-- The delivery log lists one kind of job (notify), newest first.
CREATE INDEX jobs_by_kind ON jobs (kind, created_at);
