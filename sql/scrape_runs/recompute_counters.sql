-- Bring a run's counters up to date from its rows (after a replay); a run still 'running' (its cycle
-- could not write its end) is closed as 'failed' with $2 as the reason. Idempotent. markets_stored is
-- the sum over the run's snapshots; history_rows counts the run's rows in odds_history, which carry
-- the capture times of the run's snapshots (partition pruning keeps the scan to their days, the BRIN
-- index on scrape_run_id to the run's block ranges).
UPDATE scrape_runs r
SET events_scraped = c.completed,
    events_failed = c.failed,
    snapshots_created = c.snapshots,
    markets_stored = c.markets,
    history_rows = c.history,
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
      (COALESCE((SELECT sum(markets_stored) FROM odds_snapshots WHERE scrape_run_id = $1), 0)
        + COALESCE((SELECT sum(markets_stored) FROM competitor_odds_snapshots WHERE scrape_run_id = $1), 0))::int
        AS markets,
      (SELECT count(*) FROM odds_history
       WHERE scrape_run_id = $1
         AND captured_at >= (SELECT min(t) FROM (
               SELECT min(captured_at) AS t FROM odds_snapshots WHERE scrape_run_id = $1
               UNION ALL SELECT min(captured_at) FROM competitor_odds_snapshots WHERE scrape_run_id = $1) AS lo)
         AND captured_at <= (SELECT max(t) FROM (
               SELECT max(captured_at) AS t FROM odds_snapshots WHERE scrape_run_id = $1
               UNION ALL SELECT max(captured_at) FROM competitor_odds_snapshots WHERE scrape_run_id = $1) AS hi)
      )::int AS history
) c
WHERE r.id = $1
RETURNING r.status, r.events_scraped, r.events_failed, r.snapshots_created, r.markets_stored, r.history_rows
