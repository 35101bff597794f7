-- Test migration: not idempotent on purpose, so applying it twice fails.
CREATE TABLE widgets.widget (id integer PRIMARY KEY, name text NOT NULL);
