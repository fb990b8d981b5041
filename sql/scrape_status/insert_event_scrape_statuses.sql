-- One event_scrape_status row per event of a batch; a row that already exists for the run and event
-- is left alone (the caller holds the run's advisory lock, so the NOT EXISTS check cannot race; the
-- constraint also holds created_at, the partition key). Returns the sportradar_id of every row written.
INSERT INTO event_scrape_status
    (scrape_run_id, sportradar_id, status, platforms_requested, platforms_scraped, platforms_failed,
     timing_ms, error_details)
SELECT $1::bigint, u.sportradar_id, u.status, u.requested::jsonb, u.scraped::jsonb, u.failed::jsonb,
       u.timing_ms, u.error_details::jsonb
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[])
    AS u (sportradar_id, status, requested, scraped, failed, timing_ms, error_details)
WHERE NOT EXISTS (
    SELECT 1 FROM event_scrape_status AS s WHERE s.sportradar_id = u.sportradar_id AND s.scrape_run_id = $1
)
ON CONFLICT ON CONSTRAINT uq_event_scrape_status_run_event DO NOTHING
RETURNING sportradar_id
