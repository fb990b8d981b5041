-- The board from its projection: every BetPawa event with $1 <= kickoff (and kickoff <= $2 when $2 is
-- not NULL, in the tournament named $3 when $3 is not NULL) and its board_events row of version $4
-- (NULL columns: no such row, the caller reads the event live); with $5 only the events whose row
-- has a competitor ahead somewhere, or has no row. Ordered by kickoff then sportradar id.
SELECT e.id, e.sportradar_id, e.home_team, e.away_team, e.kickoff, t.name AS tournament,
       b.event_id AS projected, b.market_picks, b.market_keys, b.market_names, b.market_sites, b.margins,
       b.outcome_counts, b.outcome_names, b.odds, b.best_sites, b.best_odds, b.gaps, b.behinds
FROM events AS e
LEFT JOIN tournaments AS t ON t.id = e.tournament_id
LEFT JOIN board_events AS b ON b.event_id = e.id AND b.version = $4
WHERE e.kickoff >= $1 AND ($2::timestamptz IS NULL OR e.kickoff <= $2)
  AND ($3::text IS NULL OR t.name = $3)
  AND (NOT $5::boolean OR b.event_id IS NULL OR b.behind)
ORDER BY e.kickoff, e.sportradar_id
