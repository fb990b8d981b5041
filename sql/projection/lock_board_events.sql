-- Transaction advisory locks on the board rows of the sportradar ids $1, in one order (no deadlock
-- between two stores): a store refreshing an event's row waits for another store refreshing it, so
-- each reads current_odds as the other left it. Two-key form: apart from the one-key locks.
SELECT pg_advisory_xact_lock(1651, h)
FROM (SELECT DISTINCT hashtext(s) AS h FROM unnest($1::text[]) AS s ORDER BY 1) AS k
