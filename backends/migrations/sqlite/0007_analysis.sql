-- How each kind of analysis went (JSON: {kind: {status, count, error?, key?}}).
ALTER TABLE assets ADD COLUMN analysis TEXT;
