-- The day partitions of odds_history to compact (oddsstore_compact_history): days that ended at or
-- before $1 (the start of today, UTC) and start at or after $2 (the retention cut: older ones are
-- about to be dropped), not compacted yet; the newest first, at most $3.
SELECT c.relname AS name
FROM pg_inherits AS i
JOIN pg_class AS c ON c.oid = i.inhrelid
JOIN pg_class AS p ON p.oid = i.inhparent
WHERE p.relname = 'odds_history'
  AND c.relname ~ '^odds_history_[0-9]{8}$'
  AND (to_date(right(c.relname, 8), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= $1
  AND to_date(right(c.relname, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC' >= $2
  AND obj_description(c.oid, 'pg_class') IS DISTINCT FROM 'oddsstore: compacted'
ORDER BY c.relname DESC
LIMIT $3
