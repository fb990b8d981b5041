-- Back to 0003's indexes: the history by event only, no read indexes.
DROP INDEX idx_current_odds_key;
DROP INDEX idx_competitor_odds_snapshots_event_time;
DROP INDEX idx_odds_snapshots_event_time;
CREATE INDEX idx_odds_history_event ON odds_history (event_id);
DROP INDEX idx_odds_history_owner_key;
