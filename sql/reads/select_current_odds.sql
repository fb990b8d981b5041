-- One event ($1 sportradar id) on each site now: the open markets in current_odds, with the site's
-- latest snapshot (its run and capture time: when the site last returned the event). One row per
-- market; a site whose latest snapshot has no open market gives one row with NULL market columns.
-- The latest snapshot is one backward step of the (event, captured_at, run) index per site.
WITH owners AS (
    SELECT bookmaker_id, platform, event_id FROM site_events WHERE sportradar_id = $1
),
snapshots AS (
    SELECT o.platform, o.bookmaker_id, o.event_id, s.id AS snapshot_id, s.scrape_run_id, s.captured_at
    FROM owners AS o
    CROSS JOIN LATERAL (
        SELECT id, scrape_run_id, captured_at FROM odds_snapshots
        WHERE event_id = o.event_id
        ORDER BY captured_at DESC, scrape_run_id DESC
        LIMIT 1
    ) AS s
    WHERE o.bookmaker_id = 1
    UNION ALL
    SELECT o.platform, o.bookmaker_id, o.event_id, s.id, s.scrape_run_id, s.captured_at
    FROM owners AS o
    CROSS JOIN LATERAL (
        SELECT id, scrape_run_id, captured_at FROM competitor_odds_snapshots
        WHERE competitor_event_id = o.event_id
        ORDER BY captured_at DESC, scrape_run_id DESC
        LIMIT 1
    ) AS s
    WHERE o.bookmaker_id <> 1
),
latest AS (
    SELECT DISTINCT ON (platform) * FROM snapshots ORDER BY platform, captured_at DESC, scrape_run_id DESC
)
SELECT l.platform, l.snapshot_id, l.scrape_run_id, l.captured_at,
       k.market_id, sh.market_name, k.line, k.handicap_type, k.handicap_home, k.handicap_away,
       sh.outcome_names, sh.groups, c.odds
FROM latest AS l
LEFT JOIN current_odds AS c ON c.event_id = l.event_id AND c.bookmaker_id = l.bookmaker_id
LEFT JOIN market_keys AS k ON k.id = c.key_id
LEFT JOIN market_shapes AS sh ON sh.id = c.shape_id
ORDER BY l.platform, k.market_id, k.line NULLS FIRST, k.handicap_type NULLS FIRST, k.handicap_home NULLS FIRST,
         k.handicap_away NULLS FIRST
