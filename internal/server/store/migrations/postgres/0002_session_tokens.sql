-- 0002: session tokens, as migrations/sqlite 0005 adds them.
--
-- The short-lived credentials of machine users (pgs_<id>_<secret>_<checksum>),
-- a kind of their own beside access keys: at most 24 hours, counted against
-- no key quota, never listed among the keys, and deleted by the server once
-- expired. Only a hash of the secret is stored. name says what a token is
-- for and is not unique: a token is never looked up by name. Deleting a user
-- deletes its tokens.
CREATE TABLE session_tokens (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text COLLATE "C" NOT NULL,
    secret_hash  bytea            NOT NULL,
    expires_at   bigint           NOT NULL,
    token_suffix text COLLATE "C" NOT NULL,
    created_at   bigint           NOT NULL,
    created_by   text COLLATE "C" NOT NULL,
    updated_at   bigint           NOT NULL,
    updated_by   text COLLATE "C" NOT NULL,
    sequence     bigint           NOT NULL DEFAULT 1
);
CREATE INDEX session_tokens_user_created ON session_tokens (user_id, created_at);
-- The purge finds the expired tokens by this index.
CREATE INDEX session_tokens_expires_at ON session_tokens (expires_at);
