-- The competitors' side of the board's main lines: for each ($1 sportradar id, $2 key id) pair, the
-- open market (current_odds) of that key on every competitor listing the event. One row per market.
SELECT u.sportradar_id, b.id AS bookmaker_id, co.key_id, co.shape_id, co.odds
FROM unnest($1::text[], $2::integer[]) AS u (sportradar_id, key_id)
JOIN competitor_events AS c ON c.sportradar_id = u.sportradar_id
JOIN bookmakers AS b ON b.slug = c.source
JOIN current_odds AS co ON co.event_id = c.id AND co.bookmaker_id = b.id AND co.key_id = u.key_id
