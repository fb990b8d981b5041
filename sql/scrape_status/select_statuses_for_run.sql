SELECT id, scrape_run_id, sportradar_id, status,
       platforms_requested::text AS platforms_requested,
       platforms_scraped::text AS platforms_scraped,
       platforms_failed::text AS platforms_failed,
       timing_ms, error_details::text AS error_details, created_at
FROM event_scrape_status
WHERE scrape_run_id = $1
ORDER BY id
