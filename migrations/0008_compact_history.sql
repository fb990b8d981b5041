-- oddsstore_compact_history(part): rewrite one closed day partition of odds_history in the order the
-- reads take it, (event, site, key, capture time), and put it back in its place.
--
-- Rows arrive in time order, so an event's rows for a day lie on a page per cycle: as_of of one
-- event reads ~300 scattered pages a site and day. Once the day is over its rows only change by a
-- late replay, so maintenance rewrites it sorted (a few pages an event and site). Under a SHARE lock
-- on the partition (reads go on, writes to that day wait) the rows are copied sorted into a new table
-- with the partition's indexes and a CHECK of its bounds; then, briefly holding the parent, the old
-- partition is detached and dropped and the new one attached under its name (the CHECK spares
-- ATTACH its scan), marked compacted in its comment and analyzed. Rows, bounds, names and indexes are as
-- before; returns the rows copied. The run-id BRIN of a compacted day no longer narrows a run's rows
-- (recompute_counters then reads that day's partition whole).
CREATE FUNCTION oddsstore_compact_history(part text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    sorted text := part || '_sorted';
    day date;
    lo timestamptz;
    hi timestamptz;
    n bigint;
BEGIN
    IF part !~ '^odds_history_[0-9]{8}$' OR to_regclass(part) IS NULL THEN
        RAISE EXCEPTION 'not a day partition of odds_history: %', part;
    END IF;
    day := to_date(right(part, 8), 'YYYYMMDD');
    lo := day::timestamp AT TIME ZONE 'UTC';
    hi := (day + 1)::timestamp AT TIME ZONE 'UTC';
    EXECUTE format('LOCK TABLE %I IN SHARE MODE', part);
    EXECUTE format('CREATE TABLE %I (LIKE odds_history)', sorted);
    EXECUTE format('INSERT INTO %I SELECT * FROM %I ORDER BY event_id, bookmaker_id, key_id, captured_at, scrape_run_id',
                   sorted, part);
    GET DIAGNOSTICS n = ROW_COUNT;
    EXECUTE format('CREATE INDEX ON %I (event_id, bookmaker_id, key_id)', sorted);
    EXECUTE format('CREATE INDEX ON %I USING brin (scrape_run_id)', sorted);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (captured_at >= %L AND captured_at < %L)',
                   sorted, sorted || '_day', lo, hi);
    EXECUTE format('ALTER TABLE odds_history DETACH PARTITION %I', part);
    EXECUTE format('DROP TABLE %I', part);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', sorted, part);
    EXECUTE format('ALTER TABLE odds_history ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, sorted || '_day');
    EXECUTE format('COMMENT ON TABLE %I IS %L', part, 'oddsstore: compacted');
    EXECUTE format('ANALYZE %I', part);  -- a new table has no statistics for the planner yet
    RETURN n;
END
$$;
