-- Close every other run still marked running (its cycle is gone: the caller holds the cycle lock).
UPDATE scrape_runs
SET status = 'failed',
    finished_at = now(),
    heartbeat_at = now(),
    error = $2
WHERE status = 'running'
  AND id <> $1
