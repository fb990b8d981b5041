-- Transaction-level advisory locks on the given keys, taken in the order given (the caller sorts
-- them, so two stores never wait on each other in a cycle): the run being stored and every
-- (site, event) whose stored state the batch reads and then changes.
SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k
