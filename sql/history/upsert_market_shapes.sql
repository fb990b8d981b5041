-- The catalogue id of every market shape given (market_name, outcome names and groups as JSON
-- arrays of strings, groups NULL when the market has none), adding the new ones.
WITH input AS (
    SELECT u.market_name,
           ARRAY(SELECT x FROM jsonb_array_elements_text(u.names::jsonb) WITH ORDINALITY AS t (x, n) ORDER BY n)
               AS outcome_names,
           CASE WHEN u.groups IS NULL THEN NULL
                ELSE ARRAY(SELECT x FROM jsonb_array_elements_text(u.groups::jsonb) WITH ORDINALITY AS t (x, n) ORDER BY n)
           END AS groups
    FROM unnest($1::text[], $2::text[], $3::text[]) AS u (market_name, names, groups)
),
added AS (
    INSERT INTO market_shapes (market_name, outcome_names, groups)
    SELECT market_name, outcome_names, groups FROM input
    ON CONFLICT DO NOTHING
    RETURNING id, market_name, outcome_names, groups
)
SELECT id, market_name, outcome_names, groups FROM added
UNION ALL
SELECT s.id, s.market_name, s.outcome_names, s.groups
FROM input AS i
JOIN market_shapes AS s
  ON s.market_name = i.market_name AND s.outcome_names = i.outcome_names AND s.groups IS NOT DISTINCT FROM i.groups
