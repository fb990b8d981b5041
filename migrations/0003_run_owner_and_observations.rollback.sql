ALTER TABLE competitor_events DROP COLUMN observed_at;
ALTER TABLE events DROP COLUMN observed_at;
ALTER TABLE scrape_runs DROP COLUMN lock_backend_pid;
