-- Insert BetPawa snapshots (odds_snapshots) of one run, without their markets (the COPY path writes those next, only
-- for the snapshots returned here). A snapshot that already exists for the same event and run is left
-- alone. Returns (id, owner_id) of every snapshot actually created.
INSERT INTO odds_snapshots
    (event_id, scrape_run_id, captured_at, timing_ms, markets_seen, markets_mapped, markets_skipped, markets_rejected)
SELECT u.owner_id, $1::bigint, COALESCE(u.captured_at, now()), u.timing_ms, u.markets_seen, u.markets_mapped,
       u.skipped::jsonb, u.rejected::jsonb
FROM unnest($2::bigint[], $3::timestamptz[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[])
    AS u (owner_id, captured_at, timing_ms, markets_seen, markets_mapped, skipped, rejected)
ON CONFLICT ON CONSTRAINT uq_odds_snapshots_event_run DO NOTHING
RETURNING id, event_id AS owner_id
