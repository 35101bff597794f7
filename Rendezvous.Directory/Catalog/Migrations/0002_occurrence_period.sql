-- Finds the occurrences under way at an instant (started before it, not yet ended) without
-- walking every occurrence that started earlier: the "upcoming" query reads those through
-- this index and the rest by start time (see ConferenceCatalog.UpcomingAsync).
CREATE INDEX occurrences_period ON directory.occurrences USING gist (tstzrange(starts_at, stops_at));
