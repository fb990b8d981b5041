-- Close every other run still marked running whose cycle is gone: its recorded lock backend no longer
-- exists (the process died, or the database restarted under it) and does not hold the cycle lock, or
-- its heartbeat is older than $3 seconds. The caller holds the cycle lock ($4), so no other cycle is
-- alive with it; the age spares a run row that a service has just created for a cycle that has not yet
-- asked for the lock (no backend recorded yet).
UPDATE scrape_runs AS r
SET status = 'failed',
    finished_at = now(),
    heartbeat_at = now(),
    error = CASE
        WHEN r.lock_backend_pid IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.lock_backend_pid)
        THEN $2 || ' (its database session is gone)'
        ELSE $2 || ' (no heartbeat)'
    END
WHERE r.status = 'running'
  AND r.id <> $1
  AND NOT EXISTS (
      SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.pid = r.lock_backend_pid
        AND l.classid = ($4::bigint >> 32)::oid AND l.objid = ($4::bigint & 4294967295)::oid
        AND l.objsubid = 1
  )
  AND (
      (r.lock_backend_pid IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.lock_backend_pid))
      OR COALESCE(r.heartbeat_at, r.started_at) < now() - make_interval(secs => $3::float8)
  )
