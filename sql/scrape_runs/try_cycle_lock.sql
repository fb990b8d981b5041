-- Session-level advisory lock: at most one scrape cycle at a time (held until released or disconnect).
SELECT pg_try_advisory_lock($1::bigint)
