-- How many addresses each client (source address) has reserved, kept by triggers, so that the
-- per-client quota is checked in constant time however many leases a client holds. A lease's
-- addresses count from their insertion until their deletion (release, or reclaiming after the
-- lease and its extra allocation time have ended).
ALTER TABLE madcap.lease_addresses ADD COLUMN client inet;

UPDATE madcap.lease_addresses la SET client = l.client_address FROM madcap.leases l WHERE l.id = la.lease_id;

CREATE TABLE madcap.client_usage (
    client inet    PRIMARY KEY,
    held   integer NOT NULL CHECK (held >= 0)
);

INSERT INTO madcap.client_usage (client, held)
SELECT client, count(*) FROM madcap.lease_addresses WHERE client IS NOT NULL GROUP BY client;

CREATE FUNCTION madcap.count_added_addresses() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO madcap.client_usage (client, held)
    SELECT client, count(*) FROM added WHERE client IS NOT NULL GROUP BY client
    ON CONFLICT (client) DO UPDATE SET held = madcap.client_usage.held + EXCLUDED.held;
    RETURN NULL;
END
$$;

CREATE FUNCTION madcap.count_removed_addresses() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE madcap.client_usage u SET held = u.held - r.n
    FROM (SELECT client, count(*) AS n FROM removed WHERE client IS NOT NULL GROUP BY client) r
    WHERE u.client = r.client;
    DELETE FROM madcap.client_usage WHERE held = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER lease_addresses_added AFTER INSERT ON madcap.lease_addresses
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION madcap.count_added_addresses();

CREATE TRIGGER lease_addresses_removed AFTER DELETE ON madcap.lease_addresses
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION madcap.count_removed_addresses();
