-- Bring a run's counters up to date from its rows (after a replay); a run still 'running' (its cycle
-- could not write its end) is closed as 'failed' with $2 as the reason. Idempotent.
UPDATE scrape_runs r
SET events_scraped = c.completed,
    events_failed = c.failed,
    snapshots_created = c.snapshots,
    markets_stored = c.markets,
    status = CASE WHEN r.status = 'running' THEN 'failed' ELSE r.status END,
    finished_at = CASE WHEN r.status = 'running' THEN now() ELSE r.finished_at END,
    error = CASE WHEN r.status = 'running' THEN $2 ELSE r.error END
FROM (
    SELECT
      (SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1 AND status = 'completed')::int
        AS completed,
      (SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1 AND status = 'failed')::int AS failed,
      ((SELECT count(*) FROM odds_snapshots WHERE scrape_run_id = $1)
        + (SELECT count(*) FROM competitor_odds_snapshots WHERE scrape_run_id = $1))::int AS snapshots,
      ((SELECT count(*) FROM market_odds m JOIN odds_snapshots s ON s.id = m.snapshot_id
         WHERE s.scrape_run_id = $1)
        + (SELECT count(*) FROM competitor_market_odds m JOIN competitor_odds_snapshots s
           ON s.id = m.snapshot_id WHERE s.scrape_run_id = $1))::int AS markets
) c
WHERE r.id = $1
RETURNING r.status, r.events_scraped, r.events_failed, r.snapshots_created, r.markets_stored
