-- Upsert BetPawa tournaments and events from one batch's own data; link competitor events that share
-- a SportRadar id. Input rows are unique by sportradar_id; rows are written in key order. The facts of
-- an existing event are replaced only by an observation ($9, when they were scraped) at least as recent
-- as the one they came from: a late replay of an old batch never moves them back (NULL: unknown, taken).
-- Returns (id, sportradar_id) of every row.
WITH input AS (
    SELECT *
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
        AS u (sportradar_id, betpawa_event_id, home_team, away_team, kickoff, tournament, country, tournament_external_id, observed_at)
),
t AS (
    INSERT INTO tournaments AS t (name, country, external_id)
    SELECT DISTINCT ON (tournament, country) tournament, country, tournament_external_id
    FROM input
    WHERE tournament IS NOT NULL
    ORDER BY tournament, country, tournament_external_id NULLS LAST
    ON CONFLICT ON CONSTRAINT uq_tournaments_name_country DO UPDATE
        SET external_id = COALESCE(EXCLUDED.external_id, t.external_id), updated_at = now()
    RETURNING t.id, t.name, t.country
),
e AS (
    INSERT INTO events AS e
        (sportradar_id, betpawa_event_id, home_team, away_team, kickoff, tournament_id, observed_at)
    SELECT i.sportradar_id, i.betpawa_event_id, i.home_team, i.away_team, i.kickoff, t.id, i.observed_at
    FROM input AS i
    LEFT JOIN t ON t.name = i.tournament AND t.country IS NOT DISTINCT FROM i.country
    ORDER BY i.sportradar_id  -- a fixed row-lock order: concurrent batches cannot deadlock here
    ON CONFLICT ON CONSTRAINT uq_events_sportradar_id DO UPDATE
        SET betpawa_event_id = CASE WHEN EXCLUDED.observed_at < e.observed_at
                THEN e.betpawa_event_id ELSE EXCLUDED.betpawa_event_id END,
            home_team = CASE WHEN EXCLUDED.observed_at < e.observed_at
                THEN e.home_team ELSE EXCLUDED.home_team END,
            away_team = CASE WHEN EXCLUDED.observed_at < e.observed_at
                THEN e.away_team ELSE EXCLUDED.away_team END,
            kickoff = CASE WHEN EXCLUDED.observed_at < e.observed_at
                THEN e.kickoff ELSE EXCLUDED.kickoff END,
            tournament_id = CASE WHEN EXCLUDED.observed_at < e.observed_at
                THEN COALESCE(e.tournament_id, EXCLUDED.tournament_id)
                ELSE COALESCE(EXCLUDED.tournament_id, e.tournament_id) END,
            observed_at = GREATEST(e.observed_at, EXCLUDED.observed_at),
            updated_at = now()
    RETURNING e.id, e.sportradar_id
),
linked AS (
    UPDATE competitor_events AS c
    SET event_id = e.id, updated_at = now()
    FROM e
    WHERE c.sportradar_id = e.sportradar_id AND c.event_id IS DISTINCT FROM e.id
)
SELECT id, sportradar_id FROM e
