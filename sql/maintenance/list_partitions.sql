-- The day partitions of the partitioned tables, with their size (table + indexes) and bounds.
SELECT p.relname AS parent, c.relname AS name, pg_total_relation_size(c.oid) AS bytes,
       pg_get_expr(c.relpartbound, c.oid) AS bounds
FROM pg_inherits AS i
JOIN pg_class AS c ON c.oid = i.inhrelid
JOIN pg_class AS p ON p.oid = i.inhparent
WHERE p.relname IN ('odds_history', 'odds_snapshots', 'competitor_odds_snapshots', 'event_scrape_status')
ORDER BY p.relname, c.relname
