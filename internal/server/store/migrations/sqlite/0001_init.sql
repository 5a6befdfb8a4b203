-- 0001: the identity model of the walking skeleton.
--
-- Timestamps are INTEGER Unix nanoseconds (UTC) so that ordering and expiry
-- comparisons are plain integer comparisons. Every object row carries the
-- envelope metadata (created/updated at/by, sequence) so handlers never have to
-- invent it.

CREATE TABLE organizations (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL,
    sequence   INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE projects (
    id              TEXT    PRIMARY KEY,
    organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL,
    updated_by      TEXT    NOT NULL,
    sequence        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (organization_id, name)
);

-- People and machines share one table: they share the id space, the
-- organization membership and role bindings, and /users lists both.
CREATE TABLE users (
    id                TEXT    PRIMARY KEY,
    organization_id   TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_type         TEXT    NOT NULL CHECK (user_type IN ('person', 'machine')),
    username          TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    email             TEXT    NOT NULL DEFAULT '',
    access_token_type TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    created_by        TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL,
    updated_by        TEXT    NOT NULL,
    sequence          INTEGER NOT NULL DEFAULT 1,
    UNIQUE (organization_id, username)
);
CREATE INDEX users_username ON users (username);
CREATE INDEX users_org_type ON users (organization_id, user_type, created_at);

-- Only a hash of the secret is stored; the id is the public key id that
-- appears inside the key itself (pgc_<id>_<secret>_<checksum>).
CREATE TABLE access_keys (
    id          TEXT    PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    secret_hash BLOB    NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL,
    sequence    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (user_id, name)
);

CREATE TABLE org_role_bindings (
    id              TEXT    PRIMARY KEY,
    organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL,
    updated_by      TEXT    NOT NULL,
    sequence        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (organization_id, user_id, role)
);
CREATE INDEX org_role_bindings_user ON org_role_bindings (user_id);

CREATE TABLE project_role_bindings (
    id         TEXT    PRIMARY KEY,
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL,
    sequence   INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, user_id, role)
);
CREATE INDEX project_role_bindings_user ON project_role_bindings (user_id);

-- The first answer to a POST carrying Idempotency-Key, written in the same
-- transaction as the object it created, so a retry after a crash or restart
-- replays it instead of creating a second object.
CREATE TABLE idempotency_keys (
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Small server facts, e.g. that the one-time bootstrap has run.
CREATE TABLE server_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
