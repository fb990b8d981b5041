-- The board: every BetPawa event with $1 <= kickoff (and kickoff <= $2 when $2 is not NULL, in the
-- tournament named $3 when $3 is not NULL), with the open markets (current_odds) of the picked keys on
-- BetPawa and on each competitor listing the same sportradar id. Picks: $4 market ids with $5 lines,
-- $6 true = every line of the market. One row per (event, site, market); an event without any picked
-- market gives one row with NULL market columns. Ordered by kickoff, then sportradar id.
WITH ev AS (
    SELECT e.id, e.sportradar_id, e.home_team, e.away_team, e.kickoff, t.name AS tournament
    FROM events AS e
    LEFT JOIN tournaments AS t ON t.id = e.tournament_id
    WHERE e.kickoff >= $1 AND ($2::timestamptz IS NULL OR e.kickoff <= $2)
      AND ($3::text IS NULL OR t.name = $3)
),
picked AS (
    SELECT DISTINCT k.id, k.market_id, k.line, k.handicap_type, k.handicap_home, k.handicap_away
    FROM market_keys AS k
    JOIN unnest($4::text[], $5::float8[], $6::boolean[]) AS p (market_id, line, any_line)
      ON p.market_id = k.market_id AND (p.any_line OR k.line IS NOT DISTINCT FROM p.line)
),
owners AS (
    SELECT ev.id AS ev_id, 1::smallint AS bookmaker_id, 'betpawa'::text AS platform, ev.id AS event_id
    FROM ev
    UNION ALL
    SELECT ev.id, b.id, b.slug::text, c.id
    FROM ev
    JOIN competitor_events AS c ON c.sportradar_id = ev.sportradar_id
    JOIN bookmakers AS b ON b.slug = c.source
)
SELECT ev.sportradar_id, ev.home_team, ev.away_team, ev.kickoff, ev.tournament,
       m.platform, m.market_id, m.market_name, m.line, m.handicap_type, m.handicap_home, m.handicap_away,
       m.outcome_names, m.odds
FROM ev
LEFT JOIN (
    SELECT o.ev_id, o.platform, pk.market_id, sh.market_name, pk.line, pk.handicap_type, pk.handicap_home,
           pk.handicap_away, sh.outcome_names, co.odds
    FROM owners AS o
    JOIN current_odds AS co ON co.event_id = o.event_id AND co.bookmaker_id = o.bookmaker_id
    JOIN picked AS pk ON pk.id = co.key_id
    JOIN market_shapes AS sh ON sh.id = co.shape_id
) AS m ON m.ev_id = ev.id
ORDER BY ev.kickoff, ev.sportradar_id
