-- 0003: clusters, the PostgreSQL servers the platform manages users in.
--
-- A cluster belongs to one project for life. Its dsn (the connection string
-- of a role with CREATEROLE) is a secret: the API never returns it and the
-- server never logs it. The users of a cluster are not stored here: the
-- cluster itself is their source of truth.

CREATE TABLE clusters (
    id               TEXT    PRIMARY KEY,
    project_id       TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    dsn              TEXT    NOT NULL,
    postgres_version TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    created_by       TEXT    NOT NULL,
    updated_at       INTEGER NOT NULL,
    updated_by       TEXT    NOT NULL,
    sequence         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, name)
);
CREATE INDEX clusters_project ON clusters (project_id, created_at);
