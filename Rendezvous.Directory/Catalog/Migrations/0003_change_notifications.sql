-- Every committed change to the catalog is announced on the channel "rendezvous_catalog", so
-- that each service instance can drop its in-memory window of upcoming occurrences (see
-- UpcomingWindow). Statement-level triggers: one notification per statement, and PostgreSQL
-- folds identical notifications of one transaction into one, delivered at commit.
CREATE FUNCTION directory.notify_catalog_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rendezvous_catalog', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER conferences_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON directory.conferences
    FOR EACH STATEMENT EXECUTE FUNCTION directory.notify_catalog_change();

CREATE TRIGGER occurrences_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON directory.occurrences
    FOR EACH STATEMENT EXECUTE FUNCTION directory.notify_catalog_change();
