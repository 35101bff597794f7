-- Publication of the catalog into the configured LDAP directories (DESIGN.md: "LDAP is a
-- publication of the catalog, not a second truth").
--
-- outbox: one row per (directory, object) whose published state may differ from the catalog.
-- Catalog writes insert or bump it in their own transaction; the publisher reads the current
-- catalog state when it handles a row, so several changes fold into one directory write.
-- A row is removed only if its change number is still the one the publisher handled.
CREATE TABLE directory.outbox (
    directory       text        NOT NULL,
    object_kind     text        NOT NULL CHECK (object_kind IN ('conference', 'user')),
    object_id       uuid        NOT NULL,
    change          bigint      NOT NULL,
    enqueued_at     timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    claimed_until   timestamptz,
    last_error      text,
    PRIMARY KEY (directory, object_kind, object_id)
);

CREATE SEQUENCE directory.outbox_changes;

CREATE INDEX outbox_due ON directory.outbox (directory, next_attempt_at);

-- published: what Rendezvous last wrote to each directory, so that a delete or a rename can
-- remove the old entry after the catalog row is gone, and so that TTLs are refreshed in time.
CREATE TABLE directory.published (
    directory    text        NOT NULL,
    object_kind  text        NOT NULL CHECK (object_kind IN ('conference', 'user')),
    object_id    uuid        NOT NULL,
    name         text        NOT NULL,
    dn           text        NOT NULL,
    blob         text,
    state        text        NOT NULL CHECK (state IN ('published', 'conflict')),
    ttl_seconds  integer     NOT NULL,
    published_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    refresh_at   timestamptz,
    PRIMARY KEY (directory, object_kind, object_id)
);

CREATE INDEX published_refresh ON directory.published (directory, refresh_at) WHERE refresh_at IS NOT NULL;

-- Users (TAPI ITDirectoryObjectUser): a person who can be called, registered for a while.
CREATE TABLE directory.users (
    id               uuid        PRIMARY KEY,
    name             text        NOT NULL UNIQUE,
    ip_phone         text        NOT NULL,
    owner            text        NOT NULL,
    registered_until timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
