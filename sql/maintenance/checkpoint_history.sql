-- Before the history older than $1 (a day boundary) is dropped: for every (event, site) that has a
-- snapshot at or after $1, write again at its first such snapshot the state each key had just
-- before $1 (the latest row of the key; closed keys need nothing), unless a row of that key is
-- already there. As-of reads at and after $1 then never need the dropped rows. Returns the rows
-- written.
WITH last_rows AS (
    SELECT DISTINCT ON (h.event_id, h.bookmaker_id, h.key_id)
           h.event_id, h.bookmaker_id, h.key_id, h.shape_id, h.odds
    FROM odds_history AS h
    WHERE h.captured_at < $1
    ORDER BY h.event_id, h.bookmaker_id, h.key_id, h.captured_at DESC, h.scrape_run_id DESC
),
owners AS (
    SELECT DISTINCT event_id, bookmaker_id FROM last_rows WHERE shape_id IS NOT NULL
),
first_after AS (
    SELECT o.event_id, o.bookmaker_id, f.captured_at, f.scrape_run_id
    FROM owners AS o
    CROSS JOIN LATERAL (
        SELECT x.captured_at, x.scrape_run_id FROM (
            SELECT captured_at, scrape_run_id FROM odds_snapshots
            WHERE o.bookmaker_id = 1 AND event_id = o.event_id AND captured_at >= $1
            UNION ALL
            SELECT captured_at, scrape_run_id FROM competitor_odds_snapshots
            WHERE o.bookmaker_id <> 1 AND competitor_event_id = o.event_id AND captured_at >= $1
        ) AS x
        ORDER BY x.captured_at, x.scrape_run_id
        LIMIT 1
    ) AS f
),
written AS (
    INSERT INTO odds_history (event_id, captured_at, scrape_run_id, key_id, shape_id, bookmaker_id, odds)
    SELECT l.event_id, f.captured_at, f.scrape_run_id, l.key_id, l.shape_id, l.bookmaker_id, l.odds
    FROM last_rows AS l
    JOIN first_after AS f ON f.event_id = l.event_id AND f.bookmaker_id = l.bookmaker_id
    WHERE l.shape_id IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM odds_history AS x
          WHERE x.event_id = l.event_id AND x.bookmaker_id = l.bookmaker_id AND x.key_id = l.key_id
            AND x.captured_at = f.captured_at AND x.scrape_run_id = f.scrape_run_id
      )
    RETURNING 1
)
SELECT count(*)::int FROM written
