-- One event's board row (board_events), replacing the one before.
INSERT INTO board_events (
    event_id, version, refreshed_at, behind, market_picks, market_keys, market_names, market_sites,
    margins, outcome_counts, outcome_names, odds, best_sites, best_odds, gaps, behinds
)
VALUES ($1, $2, now(), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (event_id) DO UPDATE SET
    version = excluded.version, refreshed_at = excluded.refreshed_at, behind = excluded.behind,
    market_picks = excluded.market_picks, market_keys = excluded.market_keys,
    market_names = excluded.market_names, market_sites = excluded.market_sites,
    margins = excluded.margins, outcome_counts = excluded.outcome_counts,
    outcome_names = excluded.outcome_names, odds = excluded.odds, best_sites = excluded.best_sites,
    best_odds = excluded.best_odds, gaps = excluded.gaps, behinds = excluded.behinds
