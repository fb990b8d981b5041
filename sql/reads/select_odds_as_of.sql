-- One event ($1 sportradar id) on each site as of $2: the site's latest snapshot with captured_at <= $2
-- (latest by captured_at, then run) and the markets open at that snapshot's position in the history
-- (the latest row of every key at or before it; closing rows leave the key out). One row per market;
-- a snapshot without markets gives one row with NULL market columns. $2 = 'infinity': the latest.
-- The latest snapshot is one backward step of the (event, captured_at, run) index per site.
WITH owners AS (
    SELECT bookmaker_id, platform, event_id FROM site_events WHERE sportradar_id = $1
),
snapshots AS (
    SELECT o.platform, o.bookmaker_id, o.event_id, s.id AS snapshot_id, s.scrape_run_id, s.captured_at
    FROM owners AS o
    CROSS JOIN LATERAL (
        SELECT id, scrape_run_id, captured_at FROM odds_snapshots
        WHERE event_id = o.event_id AND captured_at <= $2
        ORDER BY captured_at DESC, scrape_run_id DESC
        LIMIT 1
    ) AS s
    WHERE o.bookmaker_id = 1
    UNION ALL
    SELECT o.platform, o.bookmaker_id, o.event_id, s.id, s.scrape_run_id, s.captured_at
    FROM owners AS o
    CROSS JOIN LATERAL (
        SELECT id, scrape_run_id, captured_at FROM competitor_odds_snapshots
        WHERE competitor_event_id = o.event_id AND captured_at <= $2
        ORDER BY captured_at DESC, scrape_run_id DESC
        LIMIT 1
    ) AS s
    WHERE o.bookmaker_id <> 1
),
latest AS (
    SELECT DISTINCT ON (platform) * FROM snapshots ORDER BY platform, captured_at DESC, scrape_run_id DESC
),
state AS (
    SELECT l.platform, st.key_id, st.shape_id, st.odds
    FROM latest AS l
    CROSS JOIN LATERAL (
        SELECT DISTINCT ON (h.key_id) h.key_id, h.shape_id, h.odds
        FROM odds_history AS h
        WHERE h.event_id = l.event_id AND h.bookmaker_id = l.bookmaker_id
          AND h.captured_at <= l.captured_at
          AND (h.captured_at, h.scrape_run_id) <= (l.captured_at, l.scrape_run_id)
        ORDER BY h.key_id, h.captured_at DESC, h.scrape_run_id DESC
    ) AS st
    WHERE st.shape_id IS NOT NULL
)
SELECT l.platform, l.snapshot_id, l.scrape_run_id, l.captured_at,
       k.market_id, sh.market_name, k.line, k.handicap_type, k.handicap_home, k.handicap_away,
       sh.outcome_names, sh.groups, st.odds
FROM latest AS l
LEFT JOIN state AS st ON st.platform = l.platform
LEFT JOIN market_keys AS k ON k.id = st.key_id
LEFT JOIN market_shapes AS sh ON sh.id = st.shape_id
ORDER BY l.platform, k.market_id, k.line NULLS FIRST, k.handicap_type NULLS FIRST, k.handicap_home NULLS FIRST,
         k.handicap_away NULLS FIRST
