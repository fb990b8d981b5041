-- The catalogue id of every market key given (market_id, line, handicap_type, handicap_home,
-- handicap_away), adding the new ones. A key added concurrently by another transaction may be
-- missing from the answer; the caller asks again.
WITH input AS (
    SELECT *
    FROM unnest($1::text[], $2::float8[], $3::text[], $4::float8[], $5::float8[])
        AS u (market_id, line, handicap_type, handicap_home, handicap_away)
),
added AS (
    INSERT INTO market_keys (market_id, line, handicap_type, handicap_home, handicap_away)
    SELECT market_id, line, handicap_type, handicap_home, handicap_away FROM input
    ON CONFLICT DO NOTHING
    RETURNING id, market_id, line, handicap_type, handicap_home, handicap_away
)
SELECT id, market_id, line, handicap_type, handicap_home, handicap_away FROM added
UNION ALL
SELECT k.id, k.market_id, k.line, k.handicap_type, k.handicap_home, k.handicap_away
FROM input AS i
JOIN market_keys AS k
  ON k.market_id = i.market_id
 AND k.line IS NOT DISTINCT FROM i.line
 AND k.handicap_type IS NOT DISTINCT FROM i.handicap_type
 AND k.handicap_home IS NOT DISTINCT FROM i.handicap_home
 AND k.handicap_away IS NOT DISTINCT FROM i.handicap_away
