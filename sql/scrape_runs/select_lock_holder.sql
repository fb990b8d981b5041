-- The backend holding the session-level advisory lock $1 (NULL when nobody holds it).
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted
  AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1
LIMIT 1
