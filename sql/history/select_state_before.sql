-- For late snapshots (an older run replayed after newer ones): per position given ($1 event, $2 site,
-- $3 captured_at, $4 run), the latest history row of every key strictly before it ('state'), the
-- position of the event's next stored snapshot after it ('next'), and the keys with a history row
-- at that next position ('at_next').
WITH p AS (
    SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::timestamptz[], $4::bigint[])
        AS u (event_id, bookmaker_id, captured_at, scrape_run_id)
),
nxt AS (
    SELECT p.event_id, p.bookmaker_id, n.captured_at, n.scrape_run_id
    FROM p
    CROSS JOIN LATERAL (
        SELECT s.captured_at, s.scrape_run_id FROM (
            SELECT captured_at, scrape_run_id FROM odds_snapshots
            WHERE p.bookmaker_id = 1 AND event_id = p.event_id
            UNION ALL
            SELECT captured_at, scrape_run_id FROM competitor_odds_snapshots
            WHERE p.bookmaker_id <> 1 AND competitor_event_id = p.event_id
        ) AS s
        WHERE (s.captured_at, s.scrape_run_id) > (p.captured_at, p.scrape_run_id)
        ORDER BY s.captured_at, s.scrape_run_id
        LIMIT 1
    ) AS n
)
SELECT 'state' AS kind, p.event_id, p.bookmaker_id, h.key_id, h.shape_id, h.odds,
       NULL::timestamptz AS captured_at, NULL::bigint AS scrape_run_id
FROM p
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (x.key_id) x.key_id, x.shape_id, x.odds
    FROM odds_history AS x
    WHERE x.event_id = p.event_id AND x.bookmaker_id = p.bookmaker_id
      AND x.captured_at <= p.captured_at
      AND (x.captured_at, x.scrape_run_id) < (p.captured_at, p.scrape_run_id)
    ORDER BY x.key_id, x.captured_at DESC, x.scrape_run_id DESC
) AS h
UNION ALL
SELECT 'next', event_id, bookmaker_id, NULL, NULL, NULL, captured_at, scrape_run_id FROM nxt
UNION ALL
SELECT 'at_next', n.event_id, n.bookmaker_id, x.key_id, NULL, NULL, NULL, NULL
FROM nxt AS n
JOIN odds_history AS x
  ON x.event_id = n.event_id AND x.bookmaker_id = n.bookmaker_id
 AND x.captured_at = n.captured_at AND x.scrape_run_id = n.scrape_run_id
