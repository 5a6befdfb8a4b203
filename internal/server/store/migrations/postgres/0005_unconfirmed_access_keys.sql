-- 0005: access keys whose creator confirms receipt of the secret (see the
-- SQLite migration 0008): confirm_by is the time by which the key must be
-- confirmed, in nanoseconds since the epoch; 0 = confirmed, or never asked
-- to be.
ALTER TABLE access_keys ADD COLUMN confirm_by bigint NOT NULL DEFAULT 0;
CREATE INDEX access_keys_confirm_by ON access_keys (confirm_by) WHERE confirm_by > 0;
