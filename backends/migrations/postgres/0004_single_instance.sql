-- The instance table holds one row. Under READ COMMITTED two servers starting together on
-- an empty database could each pass "WHERE NOT EXISTS" and insert their own: a unique
-- index on a constant column lets only the first one in.
DELETE FROM instance WHERE id <> (SELECT id FROM instance ORDER BY created_at, id LIMIT 1);
ALTER TABLE instance ADD COLUMN single BOOLEAN NOT NULL DEFAULT TRUE CHECK (single);
CREATE UNIQUE INDEX instance_single ON instance (single);
