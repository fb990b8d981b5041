-- Reliability (issue 9): who holds a running run's cycle lock, and when an event's facts were observed.
--
-- scrape_runs.lock_backend_pid: the backend (pg_backend_pid()) of the connection holding the cycle's
-- advisory lock, so the next cycle can close a run whose backend is gone at once, not only after its
-- heartbeat went silent. events/competitor_events.observed_at: when the facts now in the row were
-- scraped; an upsert never replaces them with an older observation (a late replay of a spill file).

ALTER TABLE scrape_runs ADD COLUMN lock_backend_pid integer;
ALTER TABLE events ADD COLUMN observed_at timestamptz;
ALTER TABLE competitor_events ADD COLUMN observed_at timestamptz;
