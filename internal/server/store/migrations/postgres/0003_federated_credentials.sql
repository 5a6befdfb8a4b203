-- 0003: federated credentials, as migrations/sqlite 0006 adds them.
--
-- The OIDC issuers, audiences, subject patterns and required claims a
-- machine user trusts (workload identity federation). No secret is stored.
-- claims is a JSON object of claim name to the exact string the token must
-- carry. name is unique per user. Deleting a user deletes its federated
-- credentials.
CREATE TABLE federated_credentials (
    id          text COLLATE "C" PRIMARY KEY,
    user_id     text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text COLLATE "C" NOT NULL,
    description text COLLATE "C" NOT NULL,
    issuer      text COLLATE "C" NOT NULL,
    audience    text COLLATE "C" NOT NULL,
    subject     text COLLATE "C" NOT NULL,
    claims      text COLLATE "C" NOT NULL,
    created_at  bigint           NOT NULL,
    created_by  text COLLATE "C" NOT NULL,
    updated_at  bigint           NOT NULL,
    updated_by  text COLLATE "C" NOT NULL,
    sequence    bigint           NOT NULL DEFAULT 1,
    UNIQUE (user_id, name)
);
CREATE INDEX federated_credentials_user_created ON federated_credentials (user_id, created_at);
-- The token exchange finds the credentials that trust a token's issuer.
CREATE INDEX federated_credentials_issuer ON federated_credentials (issuer);
