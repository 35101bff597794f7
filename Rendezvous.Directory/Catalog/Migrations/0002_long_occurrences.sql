-- Occurrences that last more than four hours (permanent and open-ended ones included) are few.
-- Marking them lets "upcoming" find the ones under way at the window's start through a small
-- partial index, and walk all others by start time from four hours before the window: so it
-- never reads the whole retained history (see ConferenceCatalog.UpcomingAsync).
ALTER TABLE directory.occurrences ADD COLUMN long_running boolean NOT NULL DEFAULT false;

UPDATE directory.occurrences
SET long_running = CASE WHEN isfinite(starts_at) AND isfinite(stops_at) THEN stops_at - starts_at > interval '4 hours' ELSE true END;

CREATE INDEX occurrences_long ON directory.occurrences (starts_at, conference_id, seq) WHERE long_running;
