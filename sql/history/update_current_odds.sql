-- current_odds brought to a batch's state where a stored market changed: rows with a shape are
-- updated (inserted if absent), rows without one (closings) deleted. Markets first seen are copied
-- in apart (COPY), rows of unchanged markets are never touched.
WITH u AS (
    SELECT *
    FROM unnest($1::bigint[], $2::smallint[], $3::int[], $4::int[], $5::timestamptz[], $6::bytea[])
        AS u (event_id, bookmaker_id, key_id, shape_id, captured_at, odds)
),
c AS (
    INSERT INTO current_odds AS c (event_id, bookmaker_id, key_id, shape_id, odds, first_seen, last_changed)
    SELECT u.event_id, u.bookmaker_id, u.key_id, u.shape_id, u.odds, u.captured_at, u.captured_at
    FROM u
    WHERE u.shape_id IS NOT NULL
    ON CONFLICT ON CONSTRAINT pk_current_odds DO UPDATE
    SET shape_id = EXCLUDED.shape_id, odds = EXCLUDED.odds, last_changed = EXCLUDED.last_changed
    RETURNING 1
),
d AS (
    DELETE FROM current_odds AS c
    USING u
    WHERE u.shape_id IS NULL
      AND c.event_id = u.event_id AND c.bookmaker_id = u.bookmaker_id AND c.key_id = u.key_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM c)::int + (SELECT count(*) FROM d)::int
