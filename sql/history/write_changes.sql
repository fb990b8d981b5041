-- One batch's market changes, in one statement: the history rows (a NULL shape and odds close the
-- market), and current_odds brought to the same state (changed and new keys upserted, closed keys
-- deleted; rows of unchanged markets are not touched). $8 is each row's run, $9 whether current_odds
-- follows the row: false for the rows of a late snapshot (an older run replayed), whose state is not
-- the latest.
WITH u AS (
    SELECT *
    FROM unnest($1::bigint[], $2::smallint[], $3::int[], $4::int[], $5::timestamptz[], $6::bytea[], $7::int[],
                $8::boolean[])
        AS u (event_id, bookmaker_id, key_id, shape_id, captured_at, odds, scrape_run_id, latest)
),
h AS (
    INSERT INTO odds_history (event_id, captured_at, scrape_run_id, key_id, shape_id, bookmaker_id, odds)
    SELECT u.event_id, u.captured_at, u.scrape_run_id, u.key_id, u.shape_id, u.bookmaker_id, u.odds
    FROM u
),
c AS (
    INSERT INTO current_odds AS c (event_id, bookmaker_id, key_id, shape_id, odds, first_seen, last_changed)
    SELECT u.event_id, u.bookmaker_id, u.key_id, u.shape_id, u.odds, u.captured_at, u.captured_at
    FROM u
    WHERE u.shape_id IS NOT NULL AND u.latest
    ON CONFLICT ON CONSTRAINT pk_current_odds DO UPDATE
    SET shape_id = EXCLUDED.shape_id, odds = EXCLUDED.odds, last_changed = EXCLUDED.last_changed
),
d AS (
    DELETE FROM current_odds AS c
    USING u
    WHERE u.shape_id IS NULL AND u.latest
      AND c.event_id = u.event_id AND c.bookmaker_id = u.bookmaker_id AND c.key_id = u.key_id
)
SELECT count(*)::int FROM u
