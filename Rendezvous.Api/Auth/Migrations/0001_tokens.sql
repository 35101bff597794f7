-- Bearer tokens issued by administrators for automation. The token itself is shown once,
-- when it is issued; only its SHA-256 is kept (a 256-bit random secret needs no salt).
CREATE TABLE auth.tokens (
    id            uuid        PRIMARY KEY,
    -- What the token is for, e.g. "ci-publisher"; shown in listings.
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- The identity the token acts as: the owner key of what it publishes.
    subject       text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 512),
    is_admin      boolean     NOT NULL DEFAULT false,
    sha256        bytea       NOT NULL UNIQUE CHECK (length(sha256) = 32),
    -- The subject of the administrator who issued it.
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    -- Null: valid until revoked.
    expires_at    timestamptz,
    revoked_at    timestamptz,
    -- Updated at most once a minute per token, so that use does not mean a write per request.
    last_used_at  timestamptz,
    CHECK (expires_at IS NULL OR expires_at > created_at)
);

CREATE INDEX tokens_created ON auth.tokens (created_at, id);
CREATE INDEX tokens_subject ON auth.tokens (subject);
