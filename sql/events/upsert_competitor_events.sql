-- Upsert SportyBet/Bet9ja tournaments and events from one batch's own data, linked to the BetPawa
-- event with the same SportRadar id when there is one. Input rows are unique by (source, external_id).
-- The facts of an existing event are replaced only by an observation ($10, when they were scraped) at
-- least as recent as the one they came from (NULL: unknown, taken); the link to the BetPawa event is
-- always kept up to date. Returns (id, source, external_id) of every row.
WITH input AS (
    SELECT *
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
        AS u (source, external_id, sportradar_id, home_team, away_team, kickoff, tournament, country, tournament_external_id, observed_at)
),
t AS (
    INSERT INTO competitor_tournaments AS t (source, name, country, external_id)
    SELECT DISTINCT ON (source, tournament, country) source, tournament, country, tournament_external_id
    FROM input
    WHERE tournament IS NOT NULL
    ORDER BY source, tournament, country, tournament_external_id NULLS LAST
    ON CONFLICT ON CONSTRAINT uq_competitor_tournaments_source_name_country DO UPDATE
        SET external_id = COALESCE(EXCLUDED.external_id, t.external_id), updated_at = now()
    RETURNING t.id, t.source, t.name, t.country
)
INSERT INTO competitor_events AS c
    (source, external_id, sportradar_id, event_id, home_team, away_team, kickoff, tournament_id, observed_at)
SELECT i.source, i.external_id, i.sportradar_id, ev.id, i.home_team, i.away_team, i.kickoff, t.id,
    i.observed_at
FROM input AS i
LEFT JOIN t ON t.source = i.source AND t.name = i.tournament AND t.country IS NOT DISTINCT FROM i.country
LEFT JOIN events AS ev ON ev.sportradar_id = i.sportradar_id
ORDER BY i.source, i.external_id  -- a fixed row-lock order: concurrent batches cannot deadlock here
ON CONFLICT ON CONSTRAINT uq_competitor_events_source_external_id DO UPDATE
    SET sportradar_id = CASE WHEN EXCLUDED.observed_at < c.observed_at
            THEN c.sportradar_id ELSE EXCLUDED.sportradar_id END,
        event_id = COALESCE(EXCLUDED.event_id, c.event_id),
        home_team = CASE WHEN EXCLUDED.observed_at < c.observed_at
            THEN c.home_team ELSE EXCLUDED.home_team END,
        away_team = CASE WHEN EXCLUDED.observed_at < c.observed_at
            THEN c.away_team ELSE EXCLUDED.away_team END,
        kickoff = CASE WHEN EXCLUDED.observed_at < c.observed_at
            THEN c.kickoff ELSE EXCLUDED.kickoff END,
        tournament_id = CASE WHEN EXCLUDED.observed_at < c.observed_at
            THEN COALESCE(c.tournament_id, EXCLUDED.tournament_id)
            ELSE COALESCE(EXCLUDED.tournament_id, c.tournament_id) END,
        observed_at = GREATEST(c.observed_at, EXCLUDED.observed_at),
        updated_at = now()
RETURNING c.id, c.source, c.external_id
