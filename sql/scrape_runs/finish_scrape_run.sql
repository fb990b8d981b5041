-- Close a run with its final status; counters given as NULL keep their accumulated value.
UPDATE scrape_runs
SET status = $2,
    finished_at = now(),
    heartbeat_at = now(),
    events_total = COALESCE($3, events_total),
    events_scraped = COALESCE($4, events_scraped),
    events_failed = COALESCE($5, events_failed),
    snapshots_created = COALESCE($6, snapshots_created),
    markets_stored = COALESCE($7, markets_stored),
    history_rows = COALESCE($9, history_rows),
    error = $8
WHERE id = $1
RETURNING id, status, trigger, started_at, finished_at, heartbeat_at,
    events_total, events_scraped, events_failed, snapshots_created, markets_stored, history_rows,
    discovery::text AS discovery, error
