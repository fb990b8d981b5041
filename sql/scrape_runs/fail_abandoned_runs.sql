-- Close every other run still marked running whose heartbeat is older than $3 seconds: its cycle is
-- gone (the caller holds the cycle lock, so no other cycle is alive; the age spares a run row that a
-- service has just created for a cycle that has not yet asked for the lock).
UPDATE scrape_runs
SET status = 'failed',
    finished_at = now(),
    heartbeat_at = now(),
    error = $2
WHERE status = 'running'
  AND id <> $1
  AND COALESCE(heartbeat_at, started_at) < now() - make_interval(secs => $3::float8)
