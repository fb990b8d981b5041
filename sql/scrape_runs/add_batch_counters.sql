-- Add one stored batch's counters to its run (and beat the heart).
UPDATE scrape_runs
SET events_scraped = events_scraped + $2,
    events_failed = events_failed + $3,
    snapshots_created = snapshots_created + $4,
    markets_stored = markets_stored + $5,
    history_rows = history_rows + $6,
    heartbeat_at = now()
WHERE id = $1
