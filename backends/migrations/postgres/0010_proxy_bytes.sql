-- Bytes stored in the proxy bucket for each asset (proxies, frames, timelines), measured
-- after each stage: the archive's figures add them up instead of listing the bucket.
ALTER TABLE assets ADD COLUMN proxy_bytes BIGINT;
