-- The board: every BetPawa event with $1 <= kickoff (and kickoff <= $2 when $2 is not NULL, in the
-- tournament named $3 when $3 is not NULL, with one of the sportradar ids $6 when $6 is not NULL),
-- and the open markets (current_odds) with key ids $4 on BetPawa and on each competitor listing the
-- same sportradar id, except the competitors' markets of the keys $5 (the lines of main-line picks:
-- select_board_lines reads the competitors' main line once BetPawa's lines chose it). One row per
-- event (with its events.id), ordered by kickoff then sportradar id; its markets as parallel arrays
-- (bookmaker id, key id, shape id, odds), NULL when it has none.
WITH ev AS (
    SELECT e.id, e.sportradar_id, e.home_team, e.away_team, e.kickoff, t.name AS tournament
    FROM events AS e
    LEFT JOIN tournaments AS t ON t.id = e.tournament_id
    WHERE e.kickoff >= $1 AND ($2::timestamptz IS NULL OR e.kickoff <= $2)
      AND ($3::text IS NULL OR t.name = $3)
      AND ($6::text[] IS NULL OR e.sportradar_id = ANY ($6::text[]))
),
owners AS (
    SELECT ev.id AS ev_id, 1::smallint AS bookmaker_id, ev.id AS event_id
    FROM ev
    UNION ALL
    SELECT ev.id, b.id, c.id
    FROM ev
    JOIN competitor_events AS c ON c.sportradar_id = ev.sportradar_id
    JOIN bookmakers AS b ON b.slug = c.source
),
markets AS (
    SELECT o.ev_id, array_agg(o.bookmaker_id) AS platforms, array_agg(co.key_id) AS key_ids,
           array_agg(co.shape_id) AS shape_ids, array_agg(co.odds) AS odds
    FROM owners AS o
    CROSS JOIN LATERAL (
        SELECT c.key_id, c.shape_id, c.odds FROM current_odds AS c
        WHERE c.event_id = o.event_id AND c.bookmaker_id = o.bookmaker_id AND c.key_id = ANY ($4::integer[])
          AND (o.bookmaker_id = 1 OR c.key_id <> ALL ($5::integer[]))
        OFFSET 0  -- kept a per-(event, site) primary-key lookup, never flattened into a scan of the keys
    ) AS co
    GROUP BY o.ev_id
)
SELECT ev.id, ev.sportradar_id, ev.home_team, ev.away_team, ev.kickoff, ev.tournament,
       m.platforms, m.key_ids, m.shape_ids, m.odds
FROM ev
LEFT JOIN markets AS m ON m.ev_id = ev.id
ORDER BY ev.kickoff, ev.sportradar_id
