-- Insert SportyBet/Bet9ja snapshots (competitor_odds_snapshots) of one run. A snapshot that already exists for the same
-- event and run is left alone (a retried batch writes nothing twice; the caller holds the run's and
-- the events' advisory locks, so the NOT EXISTS check cannot race). Returns, for every snapshot
-- created, its owner, its capture time and whether a later snapshot of the event is already stored
-- (``late``: a replayed batch of an older run).
INSERT INTO competitor_odds_snapshots AS t
    (competitor_event_id, scrape_run_id, captured_at, timing_ms, markets_seen, markets_mapped, markets_stored,
     markets_skipped, markets_rejected)
SELECT u.owner_id, $1::bigint, COALESCE(u.captured_at, now()), u.timing_ms, u.markets_seen, u.markets_mapped,
       u.markets_stored, u.skipped::jsonb, u.rejected::jsonb
FROM unnest($2::bigint[], $3::timestamptz[], $4::int[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[])
    AS u (owner_id, captured_at, timing_ms, markets_seen, markets_mapped, markets_stored, skipped, rejected)
WHERE NOT EXISTS (SELECT 1 FROM competitor_odds_snapshots AS s WHERE s.competitor_event_id = u.owner_id AND s.scrape_run_id = $1)
ON CONFLICT ON CONSTRAINT uq_competitor_odds_snapshots_event_run DO NOTHING
RETURNING t.id, t.competitor_event_id AS owner_id, t.captured_at,
    EXISTS (
        SELECT 1 FROM competitor_odds_snapshots AS s
        WHERE s.competitor_event_id = t.competitor_event_id AND (s.captured_at, s.scrape_run_id) > (t.captured_at, t.scrape_run_id)
    ) AS late
