-- Where each call and call hub lives. Media state is in memory on one instance (DESIGN.md); which
-- instance is recorded here, so that any instance can send a client to the right one, and so that a
-- multicast group is bound to one call hub across all instances. An instance's row is kept alive by
-- its heartbeat; when the heartbeat stops, the other instances remove the row, and its placements and
-- group bindings go with it.
CREATE TABLE media.instances (
    id            uuid        PRIMARY KEY,
    -- The base URL clients are sent to for this instance's calls (Rendezvous:Media:InstanceUrl).
    url           text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    started_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL
);

CREATE TABLE media.placements (
    -- A call's or a call hub's id.
    id           uuid  PRIMARY KEY,
    kind         text  NOT NULL CHECK (kind IN ('call', 'hub')),
    instance_id  uuid  NOT NULL REFERENCES media.instances (id) ON DELETE CASCADE
);

CREATE INDEX placements_by_instance ON media.placements (instance_id);

-- A multicast group (address and RTP port) is bound to at most one call hub, whatever the number of instances.
CREATE TABLE media.group_bindings (
    address      inet     NOT NULL,
    port         integer  NOT NULL CHECK (port BETWEEN 1 AND 65535),
    hub_id       uuid     NOT NULL,
    instance_id  uuid     NOT NULL REFERENCES media.instances (id) ON DELETE CASCADE,
    PRIMARY KEY (address, port)
);

CREATE INDEX group_bindings_by_instance ON media.group_bindings (instance_id);
