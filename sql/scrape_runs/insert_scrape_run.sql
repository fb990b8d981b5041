INSERT INTO scrape_runs (status, trigger, heartbeat_at)
VALUES ('running', $1, now())
RETURNING id, status, trigger, started_at, finished_at, heartbeat_at,
    events_total, events_scraped, events_failed, snapshots_created, markets_stored, history_rows,
    discovery::text AS discovery, error
