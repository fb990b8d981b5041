-- The latest finished run (the database's own word on the last cycle, for /healthz); no row if none.
SELECT id, status, trigger, started_at, finished_at, heartbeat_at,
    events_total, events_scraped, events_failed, snapshots_created, markets_stored, history_rows,
    discovery::text AS discovery, error
FROM scrape_runs
WHERE finished_at IS NOT NULL
ORDER BY finished_at DESC
LIMIT 1
