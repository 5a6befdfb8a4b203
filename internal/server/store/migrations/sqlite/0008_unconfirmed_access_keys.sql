-- 0008: access keys whose creator confirms receipt of the secret. A key
-- created with requireConfirmation carries the time by which it must be
-- confirmed (nanoseconds since the epoch; 0 = confirmed, or never asked to
-- be). Until confirmed it authenticates nothing and counts against no quota;
-- past confirm_by the server deletes it. So a key whose create answer was
-- lost (a killed server, a killed terraform) never lingers as a credential
-- nobody holds.
ALTER TABLE access_keys ADD COLUMN confirm_by INTEGER NOT NULL DEFAULT 0;
-- The purge finds the lapsed ones by this index.
CREATE INDEX access_keys_confirm_by ON access_keys (confirm_by) WHERE confirm_by > 0;
