-- Insert BetPawa snapshots (odds_snapshots) and their markets (market_odds) for one run, in one statement.
-- A snapshot that already exists for the same event and run is left alone and its markets are not
-- inserted (a retried batch writes nothing twice).
-- Markets point at their snapshot by its 1-based position in the snapshot arrays ($9).
-- Returns the event_id of every snapshot actually created.
WITH input AS (
    SELECT *
    FROM unnest($2::bigint[], $3::timestamptz[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[])
        WITH ORDINALITY AS u (owner_id, captured_at, timing_ms, markets_seen, markets_mapped, skipped, rejected, ord)
),
s AS (
    INSERT INTO odds_snapshots
        (event_id, scrape_run_id, captured_at, timing_ms, markets_seen, markets_mapped, markets_skipped, markets_rejected)
    SELECT owner_id, $1::bigint, COALESCE(captured_at, now()), timing_ms, markets_seen, markets_mapped,
           skipped::jsonb, rejected::jsonb
    FROM input
    ON CONFLICT ON CONSTRAINT uq_odds_snapshots_event_run DO NOTHING
    RETURNING id, event_id
),
k AS (
    SELECT s.id, input.ord FROM s JOIN input ON input.owner_id = s.event_id
),
m AS (
    INSERT INTO market_odds
        (snapshot_id, market_id, market_name, line, handicap_type, handicap_home, handicap_away, outcomes, groups)
    SELECT k.id, u.market_id, u.market_name, u.line, u.handicap_type, u.handicap_home, u.handicap_away,
           u.outcomes::jsonb, u.groups::jsonb
    FROM (
        -- set-returning functions in the select list run in lockstep without materialising
        -- (faster than a multi-argument unnest in FROM)
        SELECT unnest($9::bigint[]) AS ord, unnest($10::text[]) AS market_id, unnest($11::text[]) AS market_name,
               unnest($12::float8[]) AS line, unnest($13::text[]) AS handicap_type,
               unnest($14::float8[]) AS handicap_home, unnest($15::float8[]) AS handicap_away,
               unnest($16::text[]) AS outcomes, unnest($17::text[]) AS groups
    ) AS u
    JOIN k ON k.ord = u.ord
)
SELECT event_id AS owner_id FROM s
