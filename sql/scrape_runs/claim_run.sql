-- The run is owned by this connection's session, which holds the cycle lock: record its backend pid
-- (a later cycle closes the run at once when that backend is gone) and beat the heart.
UPDATE scrape_runs
SET lock_backend_pid = pg_backend_pid(), heartbeat_at = now()
WHERE id = $1 AND status = 'running'
