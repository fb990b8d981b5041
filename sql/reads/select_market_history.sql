-- The stored history of one market ($2 market id; only line $3 when $3 is not NULL) of one event ($1
-- sportradar id) on each site: every change row in order (captured_at, then run), a closing row (the
-- site returned the event without the market) with NULL outcome_names and odds.
WITH owners AS (
    SELECT bookmaker_id, platform, event_id FROM site_events WHERE sportradar_id = $1
)
SELECT o.platform, k.market_id, k.line, k.handicap_type, k.handicap_home, k.handicap_away,
       h.captured_at, h.scrape_run_id, sh.outcome_names, h.odds
FROM owners AS o
JOIN odds_history AS h ON h.event_id = o.event_id AND h.bookmaker_id = o.bookmaker_id
JOIN market_keys AS k ON k.id = h.key_id
LEFT JOIN market_shapes AS sh ON sh.id = h.shape_id
WHERE k.market_id = $2 AND ($3::float8 IS NULL OR k.line = $3)
ORDER BY o.platform, k.line NULLS FIRST, k.handicap_type NULLS FIRST, k.handicap_home NULLS FIRST,
         k.handicap_away NULLS FIRST, h.captured_at, h.scrape_run_id
