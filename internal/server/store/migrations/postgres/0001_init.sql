-- 0001: the schema of migrations/sqlite 0001 to 0004, for PostgreSQL.
--
-- The same tables, columns, constraints and cascades as the SQLite store, so
-- that both behave alike; a change to one is a new migration in both.
-- What differs is only how PostgreSQL spells it:
--   - timestamps are bigint Unix nanoseconds (UTC), as in SQLite: timestamptz
--     would cut Go's nanoseconds to microseconds;
--   - text is COLLATE "C", compared byte by byte as SQLite compares it, so
--     that lists come in one order (by creation time, then id) whatever the
--     database's locale;
--   - BLOB is bytea, and the self-service flag a boolean.

CREATE TABLE organizations (
    id         text COLLATE "C" PRIMARY KEY,
    name       text COLLATE "C" NOT NULL UNIQUE,
    created_at bigint           NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    updated_at bigint           NOT NULL,
    updated_by text COLLATE "C" NOT NULL,
    sequence   bigint           NOT NULL DEFAULT 1
);

CREATE TABLE projects (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text COLLATE "C" NOT NULL,
    created_at      bigint           NOT NULL,
    created_by      text COLLATE "C" NOT NULL,
    updated_at      bigint           NOT NULL,
    updated_by      text COLLATE "C" NOT NULL,
    sequence        bigint           NOT NULL DEFAULT 1,
    UNIQUE (organization_id, name)
);

-- People and machines share one table: they share the id space, the
-- organization membership and role bindings, and /users lists both.
CREATE TABLE users (
    id                text COLLATE "C" PRIMARY KEY,
    organization_id   text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_type         text COLLATE "C" NOT NULL CHECK (user_type IN ('person', 'machine')),
    username          text COLLATE "C" NOT NULL,
    name              text COLLATE "C" NOT NULL,
    description       text COLLATE "C" NOT NULL DEFAULT '',
    email             text COLLATE "C" NOT NULL DEFAULT '',
    access_token_type text COLLATE "C" NOT NULL DEFAULT '',
    created_at        bigint           NOT NULL,
    created_by        text COLLATE "C" NOT NULL,
    updated_at        bigint           NOT NULL,
    updated_by        text COLLATE "C" NOT NULL,
    sequence          bigint           NOT NULL DEFAULT 1,
    UNIQUE (organization_id, username)
);
CREATE INDEX users_username ON users (username);
CREATE INDEX users_org_type ON users (organization_id, user_type, created_at);

-- Only a hash of the secret is stored; the id is the public key id that
-- appears inside the key itself (pgc_<id>_<secret>_<checksum>). key_suffix is
-- the last 4 characters of the key text, for a masked key; self_service marks
-- a key a person made for itself under /users/me/access-keys, which that
-- endpoint's quota counts.
CREATE TABLE access_keys (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text COLLATE "C" NOT NULL,
    secret_hash  bytea            NOT NULL,
    expires_at   bigint           NOT NULL,
    created_at   bigint           NOT NULL,
    created_by   text COLLATE "C" NOT NULL,
    updated_at   bigint           NOT NULL,
    updated_by   text COLLATE "C" NOT NULL,
    sequence     bigint           NOT NULL DEFAULT 1,
    key_suffix   text COLLATE "C" NOT NULL DEFAULT '',
    self_service boolean          NOT NULL DEFAULT false,
    UNIQUE (user_id, name)
);
CREATE INDEX access_keys_user_created ON access_keys (user_id, created_at);

CREATE TABLE org_role_bindings (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text COLLATE "C" NOT NULL,
    created_at      bigint           NOT NULL,
    created_by      text COLLATE "C" NOT NULL,
    updated_at      bigint           NOT NULL,
    updated_by      text COLLATE "C" NOT NULL,
    sequence        bigint           NOT NULL DEFAULT 1,
    UNIQUE (organization_id, user_id, role)
);
CREATE INDEX org_role_bindings_user ON org_role_bindings (user_id);
CREATE INDEX org_role_bindings_org_role ON org_role_bindings (organization_id, role);

CREATE TABLE project_role_bindings (
    id         text COLLATE "C" PRIMARY KEY,
    project_id text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text COLLATE "C" NOT NULL,
    created_at bigint           NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    updated_at bigint           NOT NULL,
    updated_by text COLLATE "C" NOT NULL,
    sequence   bigint           NOT NULL DEFAULT 1,
    UNIQUE (project_id, user_id, role)
);
CREATE INDEX project_role_bindings_user ON project_role_bindings (user_id);
CREATE INDEX project_role_bindings_project_role ON project_role_bindings (project_id, role);

-- The first answer to a POST carrying Idempotency-Key, written in the same
-- transaction as the object it created, so a retry (after a crash, or on
-- another replica) replays it instead of creating a second object. The
-- server keeps the answer sealed and the request fingerprint keyed (see
-- server/idempotency.go).
CREATE TABLE idempotency_keys (
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text COLLATE "C" NOT NULL,
    request_hash text COLLATE "C" NOT NULL,
    status       integer          NOT NULL,
    location     text COLLATE "C" NOT NULL,
    body         bytea            NOT NULL,
    created_at   bigint           NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Small server facts, e.g. that the one-time bootstrap has run.
CREATE TABLE server_state (
    key   text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);

-- An invitation of a person (by email) into an organization, optionally with
-- an organization role to bind when it is accepted. One pending invitation
-- per email and organization.
CREATE TABLE invitations (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           text COLLATE "C" NOT NULL,
    role            text COLLATE "C" NOT NULL DEFAULT '',
    state           text COLLATE "C" NOT NULL CHECK (state IN ('pending')),
    created_at      bigint           NOT NULL,
    created_by      text COLLATE "C" NOT NULL,
    updated_at      bigint           NOT NULL,
    updated_by      text COLLATE "C" NOT NULL,
    sequence        bigint           NOT NULL DEFAULT 1,
    UNIQUE (organization_id, email)
);

-- A cluster belongs to one project for life. Its dsn (the connection string
-- of a role with CREATEROLE) is a secret, stored sealed under the server key:
-- the API never returns it and the server never logs it.
CREATE TABLE clusters (
    id               text COLLATE "C" PRIMARY KEY,
    project_id       text COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name             text COLLATE "C" NOT NULL,
    dsn              text COLLATE "C" NOT NULL,
    postgres_version text COLLATE "C" NOT NULL,
    created_at       bigint           NOT NULL,
    created_by       text COLLATE "C" NOT NULL,
    updated_at       bigint           NOT NULL,
    updated_by       text COLLATE "C" NOT NULL,
    sequence         bigint           NOT NULL DEFAULT 1,
    UNIQUE (project_id, name)
);
CREATE INDEX clusters_project ON clusters (project_id, created_at);
