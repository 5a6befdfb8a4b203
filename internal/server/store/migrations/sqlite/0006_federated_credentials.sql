-- 0006: federated credentials (workload identity federation): the OIDC
-- issuers, audiences, subject patterns and required claims a machine user
-- trusts. An ID token that matches one is exchanged for a session token of
-- that machine user (POST /api/v1/token-exchange). No secret is stored: a
-- credential says whose tokens to trust, the issuer's public keys are
-- fetched from the issuer. claims is a JSON object of claim name to the
-- exact string the token must carry. name is unique per user, as a key's.
-- Deleting a user deletes its federated credentials.
CREATE TABLE federated_credentials (
    id          TEXT    PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    issuer      TEXT    NOT NULL,
    audience    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    claims      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL,
    sequence    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (user_id, name)
);
CREATE INDEX federated_credentials_user_created ON federated_credentials (user_id, created_at);
-- The token exchange finds the credentials that trust a token's issuer.
CREATE INDEX federated_credentials_issuer ON federated_credentials (issuer);
