-- The facts of one event ($1 sportradar id): BetPawa's row when BetPawa lists it, else a competitor's
-- (the first by site slug). No row: no site lists the event.
SELECT x.sportradar_id, x.home_team, x.away_team, x.kickoff, x.tournament
FROM (
    SELECT e.sportradar_id, e.home_team, e.away_team, e.kickoff, t.name AS tournament, ''::text AS pref
    FROM events AS e
    LEFT JOIN tournaments AS t ON t.id = e.tournament_id
    WHERE e.sportradar_id = $1
    UNION ALL
    SELECT c.sportradar_id, c.home_team, c.away_team, c.kickoff, t.name, c.source::text
    FROM competitor_events AS c
    LEFT JOIN competitor_tournaments AS t ON t.id = c.tournament_id
    WHERE c.sportradar_id = $1
) AS x
ORDER BY x.pref
LIMIT 1
