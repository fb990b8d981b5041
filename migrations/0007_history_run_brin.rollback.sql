CREATE INDEX idx_odds_history_captured ON odds_history USING brin (captured_at);
DROP INDEX idx_odds_history_run;
