-- The multicast address leases a conference holds for its "auto" connections (opaque handles
-- from the address source, e.g. MADCAP lease infos), renewed when it is extended and released
-- when it is deleted.
ALTER TABLE directory.conferences ADD COLUMN address_leases jsonb NOT NULL DEFAULT '[]';
