-- The stored state (current_odds) of the given (event, site) pairs, read before the batch writes.
SELECT c.event_id, c.bookmaker_id, c.key_id, c.shape_id, c.odds
FROM unnest($1::bigint[], $2::smallint[]) AS u (event_id, bookmaker_id)
JOIN current_odds AS c ON c.event_id = u.event_id AND c.bookmaker_id = u.bookmaker_id
