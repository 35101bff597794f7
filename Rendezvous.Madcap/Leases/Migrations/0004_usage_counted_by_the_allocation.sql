-- The allocation statement (LeaseStore.InsertFree) is the only writer of new lease addresses; it
-- now adds them to its client's usage counter itself, in the same statement, which saves a
-- PL/pgSQL call and a transition table per allocation (about a quarter of the statement's cost).
-- Removals (release, withdrawn offers, reclaiming, cascades) are still counted by the trigger.
DROP TRIGGER lease_addresses_added ON madcap.lease_addresses;
DROP FUNCTION madcap.count_added_addresses();
