-- Indexes for the comparison reads (issue 12).
--
-- odds_history (event_id, bookmaker_id, key_id) replaces (event_id): a site's event ids and another
-- site's share numbers (events.id, competitor_events.id), so every read and change detection filters
-- by the site too, and the movement of one market reads that market's rows only. Every lookup of
-- (event_id) alone is served by its first column; btree deduplication keeps it small (~10 bytes a
-- row against ~7; with captured_at as a fourth column it would be ~39).
-- odds_snapshots / competitor_odds_snapshots (event, captured_at, scrape_run_id): an event's latest
-- snapshot at or before a moment is one backward index step (the keys lead with the run).
-- current_odds (key_id): the board reads a few keys of every event; key_id is never updated, so
-- changed prices stay HOT updates.
--
-- On a large history the index builds take a while (about 15 s for 19 M history rows on 2 cores);
-- writes wait meanwhile.

CREATE INDEX idx_odds_history_owner_key ON odds_history (event_id, bookmaker_id, key_id);
DROP INDEX idx_odds_history_event;
CREATE INDEX idx_odds_snapshots_event_time ON odds_snapshots (event_id, captured_at, scrape_run_id);
CREATE INDEX idx_competitor_odds_snapshots_event_time
    ON competitor_odds_snapshots (competitor_event_id, captured_at, scrape_run_id);
CREATE INDEX idx_current_odds_key ON current_odds (key_id);
