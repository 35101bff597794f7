-- A REQUEST that follows an OFFER only changes a lease's state, offered_until and updated_at,
-- none of them indexed: with room left on the page, PostgreSQL updates the row in place (a HOT
-- update) instead of adding an entry to each of the table's four indexes.
ALTER TABLE madcap.leases SET (fillfactor = 80);
