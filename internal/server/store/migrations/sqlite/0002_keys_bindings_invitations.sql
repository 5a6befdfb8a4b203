-- 0002: access keys managed through the API, role bindings managed through
-- the API, and invitations.

-- The last 4 characters of the key text, so reads can show a masked key
-- (pgc_<id>_…<last 4>) without the secret. They are part of the checksum,
-- not of the secret. Keys made before this migration show no suffix.
ALTER TABLE access_keys ADD COLUMN key_suffix TEXT NOT NULL DEFAULT '';
-- 1 for a key a person created for itself under /users/me/access-keys: that
-- endpoint's quota counts only these (operator-issued keys do not count).
ALTER TABLE access_keys ADD COLUMN self_service INTEGER NOT NULL DEFAULT 0;
CREATE INDEX access_keys_user_created ON access_keys (user_id, created_at);

CREATE INDEX org_role_bindings_org_role ON org_role_bindings (organization_id, role);
CREATE INDEX project_role_bindings_project_role ON project_role_bindings (project_id, role);

-- An invitation of a person (by email) into an organization, optionally with
-- an organization role to bind when it is accepted. One pending invitation
-- per email and organization.
CREATE TABLE invitations (
    id              TEXT    PRIMARY KEY,
    organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT    NOT NULL,
    role            TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL CHECK (state IN ('pending')),
    created_at      INTEGER NOT NULL,
    created_by      TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL,
    updated_by      TEXT    NOT NULL,
    sequence        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (organization_id, email)
);
