-- Per run: rows by status, and failures by platform. One row per (kind, key).
SELECT 'status' AS kind, status AS key, count(*)::int AS n
FROM event_scrape_status
WHERE scrape_run_id = $1
GROUP BY status
UNION ALL
SELECT 'platform_failed', p.platform, count(*)::int
FROM event_scrape_status AS s
CROSS JOIN LATERAL jsonb_array_elements_text(s.platforms_failed) AS p (platform)
WHERE s.scrape_run_id = $1
GROUP BY p.platform
