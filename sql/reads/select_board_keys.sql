-- The market keys of the board's picks: $1 market ids with $2 lines, $3 true = every line of the market.
SELECT DISTINCT k.id, k.market_id, k.line, k.handicap_type, k.handicap_home, k.handicap_away
FROM market_keys AS k
JOIN unnest($1::text[], $2::float8[], $3::boolean[]) AS p (market_id, line, any_line)
  ON p.market_id = k.market_id AND (p.any_line OR k.line IS NOT DISTINCT FROM p.line)
