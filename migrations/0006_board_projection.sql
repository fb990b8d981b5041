-- board_events: the board's projection. Per BetPawa event, the comparison of the board's projected
-- picks (CORE: oddsstore.reads.projection) computed from current_odds by the same code as the live
-- board, written by store_batch in the batch's own transaction for every BetPawa event whose
-- sportradar id the batch holds (its competitors' changes included). The board reads one row an
-- event instead of ~60 current_odds rows spread over the table and comparing them in Python.
-- current_odds changes only in store_batch (maintenance never touches it), so a row is never older
-- than the odds it compares. A row of another `version` (the comparison's code changed) or a missing
-- one (an event stored before this migration) is read live until the event's next store.
--
-- Markets in pick order then line order; per market its pick (position in the projected picks),
-- key, name, the sites listing it (bit 1 << bookmaker id), three margins (bookmakers 1-3; NULL: no
-- complete set of active prices, or not listed) and its outcome count. Outcomes market by market:
-- name, three prices (NULL: closed, absent or not listed), the best competitor (bookmaker id, 0:
-- none) and its price, BetPawa's gap in percent, behind. Bounded by the events, not by the history.
CREATE TABLE board_events (
    event_id bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    version integer NOT NULL,
    refreshed_at timestamptz NOT NULL,
    behind boolean NOT NULL,
    market_picks smallint[] NOT NULL,
    market_keys integer[] NOT NULL,
    market_names text[] NOT NULL,
    market_sites smallint[] NOT NULL,
    margins double precision[] NOT NULL,
    outcome_counts smallint[] NOT NULL,
    outcome_names text[] NOT NULL,
    odds double precision[] NOT NULL,
    best_sites smallint[] NOT NULL,
    best_odds double precision[] NOT NULL,
    gaps double precision[] NOT NULL,
    behinds boolean[] NOT NULL
) WITH (fillfactor = 50);  -- rewritten every cycle: room for the new version on the same page (HOT)
