-- Discovery result of a run: events discovered per platform and the merged total.
UPDATE scrape_runs
SET discovery = $2::text::jsonb, events_total = $3, heartbeat_at = now()
WHERE id = $1
