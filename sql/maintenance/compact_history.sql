-- Compact one closed day partition of odds_history (see oddsstore_compact_history); the rows copied.
SELECT oddsstore_compact_history($1)
