-- The conference catalog: the system of record (DESIGN.md). Each conference keeps the SDP
-- text exactly as received, the parsed fields that queries need, and its time bounds.
CREATE TABLE directory.conferences (
    id                 uuid        PRIMARY KEY,
    sdp                text        NOT NULL,
    name               text        NOT NULL,
    description        text,
    originator         text        NOT NULL,
    -- TAPI's RND_ADVERTISING_SCOPE: 1 local, 2 site, 3 region, 4 world.
    advertising_scope  smallint    NOT NULL CHECK (advertising_scope BETWEEN 1 AND 4),
    groups             inet[]      NOT NULL DEFAULT '{}',
    -- What a participant needs to join, per media: kind, groups, port, TTL (JSON).
    join_info          jsonb       NOT NULL DEFAULT '[]',
    -- First start to last stop over all occurrences; (,) for permanent, 'empty' for none.
    bounds             tstzrange   NOT NULL,
    owner              text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- Optimistic concurrency: every update raises it; the ETag is derived from it.
    row_version        bigint      NOT NULL DEFAULT 1,
    -- Occurrences are stored up to this time (a rolling horizon; see occurrences).
    expanded_until     timestamptz NOT NULL
);

CREATE INDEX conferences_bounds ON directory.conferences USING gist (bounds);
CREATE INDEX conferences_owner ON directory.conferences (owner);

-- Occurrences of each conference, expanded from t=/r=/z= when the conference is written,
-- for a rolling window (a retention period in the past to a horizon in the future). The
-- upcoming query walks them in start order by keyset; a background job extends repeating
-- conferences as the horizon moves and drops occurrences older than the retention.
-- Permanent sessions have one occurrence from -infinity to infinity.
CREATE TABLE directory.occurrences (
    conference_id  uuid        NOT NULL REFERENCES directory.conferences (id) ON DELETE CASCADE,
    seq            integer     NOT NULL,
    starts_at      timestamptz NOT NULL,
    stops_at       timestamptz NOT NULL,
    PRIMARY KEY (conference_id, seq),
    CHECK (stops_at > starts_at)
);

CREATE INDEX occurrences_by_start ON directory.occurrences (starts_at, conference_id, seq);
CREATE INDEX occurrences_by_stop ON directory.occurrences (stops_at);
