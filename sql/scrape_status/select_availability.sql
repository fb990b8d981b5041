-- Availability per site and UTC hour since $1, from the status rows: the events each site was asked
-- for, returned and failed ('site' rows), and the failures by reason ('reason' rows: the slug before
-- the first ':' of the site's recorded error, 'unknown' when none was recorded).
WITH s AS (
    SELECT date_trunc('hour', s.created_at, 'UTC') AS hour,
           p.site,
           s.platforms_scraped @> jsonb_build_array(p.site) AS scraped,
           s.platforms_failed @> jsonb_build_array(p.site) AS failed,
           s.error_details ->> p.site AS error
    FROM event_scrape_status AS s
    CROSS JOIN LATERAL jsonb_array_elements_text(s.platforms_requested) AS p (site)
    WHERE s.created_at >= $1
)
SELECT 'site' AS kind, hour, site, NULL::text AS reason,
       count(*)::int AS requested,
       (count(*) FILTER (WHERE scraped))::int AS scraped,
       (count(*) FILTER (WHERE failed))::int AS failed
FROM s
GROUP BY hour, site
UNION ALL
SELECT 'reason', hour, site, COALESCE(NULLIF(split_part(error, ':', 1), ''), 'unknown'), 0, 0, count(*)::int
FROM s
WHERE failed
GROUP BY hour, site, 4
ORDER BY hour, site, kind DESC, failed DESC, reason
