-- The MADCAP lease store (RFC 2730). PostgreSQL arbitrates: however many servers share this
-- database, the exclusion constraint on lease_addresses means one address is never reserved
-- twice for overlapping periods (DESIGN.md, "Growing past one machine").

-- Multicast scopes the servers allocate from (RFC 2730 section 1.2; RFC 2365 administrative scopes).
CREATE TABLE madcap.scopes (
    id                    uuid        PRIMARY KEY,
    first_address         inet        NOT NULL UNIQUE,   -- the Scope ID
    last_address          inet        NOT NULL,
    ttl                   smallint    NOT NULL CHECK (ttl BETWEEN 1 AND 255),
    names                 jsonb       NOT NULL,          -- [{"language": "en", "name": "...", "isDefault": true}]
    default_lease_seconds integer     NOT NULL CHECK (default_lease_seconds > 0),
    max_lease_seconds     integer     NOT NULL CHECK (max_lease_seconds >= default_lease_seconds),
    exclusions            jsonb       NOT NULL DEFAULT '[]', -- [{"first": "...", "last": "..."}]
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    row_version           bigint      NOT NULL DEFAULT 1,
    CHECK (family(first_address) = family(last_address) AND first_address <= last_address),
    CHECK (masklen(first_address) = CASE family(first_address) WHEN 4 THEN 32 ELSE 128 END),
    CHECK (masklen(last_address) = masklen(first_address))
);

-- One lease: what a Lease Identifier (RFC 2730 section 2.4) holds, offered or acknowledged.
CREATE TABLE madcap.leases (
    id               uuid        PRIMARY KEY,
    lease_identifier bytea       NOT NULL UNIQUE,
    scope_id         uuid        NOT NULL REFERENCES madcap.scopes (id),
    state            text        NOT NULL CHECK (state IN ('offered', 'leased')),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL CHECK (ends_at > starts_at),
    offered_until    timestamptz,
    client_address   inet,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX leases_by_client ON madcap.leases (client_address);
CREATE INDEX leases_expiry ON madcap.leases (ends_at);

-- The addresses of each lease, each reserved for the lease period padded on both sides by
-- EXTRA-ALLOCATION-TIME (RFC 2730 section 2.12).
CREATE TABLE madcap.lease_addresses (
    lease_id uuid      NOT NULL REFERENCES madcap.leases (id) ON DELETE CASCADE,
    address  inet      NOT NULL,
    reserved tstzrange NOT NULL,
    PRIMARY KEY (lease_id, address),
    CONSTRAINT no_address_leased_twice EXCLUDE USING gist (address inet_ops WITH =, reserved WITH &&)
);
