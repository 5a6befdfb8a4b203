-- 0005: session tokens, the short-lived credentials of machine users
-- (pgs_<id>_<secret>_<checksum>), a kind of their own beside access keys:
-- at most 24 hours, counted against no key quota, never listed among the
-- keys, and deleted by the server once expired. Only a hash of the secret is
-- stored. name says what a token is for and is not unique: a token is never
-- looked up by name. Deleting a user deletes its tokens.
CREATE TABLE session_tokens (
    id           TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL,
    expires_at   INTEGER NOT NULL,
    token_suffix TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT    NOT NULL,
    sequence     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX session_tokens_user_created ON session_tokens (user_id, created_at);
-- The purge finds the expired tokens by this index.
CREATE INDEX session_tokens_expires_at ON session_tokens (expires_at);
