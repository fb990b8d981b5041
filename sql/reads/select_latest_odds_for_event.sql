-- The latest snapshot of one event on each site (BetPawa and competitors) with its markets.
-- One row per market; a latest snapshot without markets still gives one row with NULL market columns.
WITH latest AS (
    (
        SELECT 'betpawa'::text AS platform, s.id AS snapshot_id, s.scrape_run_id, s.captured_at, 'b'::text AS kind
        FROM odds_snapshots AS s
        JOIN events AS e ON e.id = s.event_id
        WHERE e.sportradar_id = $1
        ORDER BY s.captured_at DESC, s.id DESC
        LIMIT 1
    )
    UNION ALL
    (
        SELECT DISTINCT ON (c.source) c.source::text, s.id, s.scrape_run_id, s.captured_at, 'c'::text
        FROM competitor_odds_snapshots AS s
        JOIN competitor_events AS c ON c.id = s.competitor_event_id
        WHERE c.sportradar_id = $1
        ORDER BY c.source, s.captured_at DESC, s.id DESC
    )
),
markets AS (
    SELECT l.platform, l.snapshot_id, m.id, m.market_id, m.market_name, m.line, m.handicap_type,
           m.handicap_home, m.handicap_away, m.outcomes, m.groups
    FROM latest AS l JOIN market_odds AS m ON m.snapshot_id = l.snapshot_id
    WHERE l.kind = 'b'
    UNION ALL
    SELECT l.platform, l.snapshot_id, m.id, m.market_id, m.market_name, m.line, m.handicap_type,
           m.handicap_home, m.handicap_away, m.outcomes, m.groups
    FROM latest AS l JOIN competitor_market_odds AS m ON m.snapshot_id = l.snapshot_id
    WHERE l.kind = 'c'
)
SELECT l.platform, l.snapshot_id, l.scrape_run_id, l.captured_at,
       m.market_id, m.market_name, m.line, m.handicap_type, m.handicap_home, m.handicap_away,
       m.outcomes::text AS outcomes, m.groups::text AS groups
FROM latest AS l
LEFT JOIN markets AS m ON m.platform = l.platform AND m.snapshot_id = l.snapshot_id
ORDER BY l.platform, m.id
