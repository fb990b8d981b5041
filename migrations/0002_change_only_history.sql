-- Change-only odds history: market catalogues, odds_history (one row per change of a market's state),
-- current_odds (the latest state of every open market), and the per-run tables (snapshots, status
-- rows) range-partitioned by day (UTC) so retention drops whole partitions.
--
-- A history row is written when a market's state (its shape: name, outcome names, groups; and its
-- odds) differs from the last stored state of the same (event, site, market key); a row with NULL
-- shape_id and odds closes the market (the site returned the event without it). Odds are one bytea
-- per market (oddsstore_encode_odds below): the prices in outcome order, an inactive one negated
-- (valid odds are > 0, so the sign is free), as int32 thousandths when all are whole thousandths,
-- else as float64; oddsstore_decode_odds(odds) gives them back as float8[] exactly.
-- Rows are ordered per (event, site) by (captured_at, scrape_run_id): the position of the snapshot
-- that wrote them. "As of" a snapshot = the latest row of every key at or before its position,
-- closings left out.
--
-- event_id in odds_history/current_odds is the site's event row: events.id for BetPawa (bookmaker 1),
-- competitor_events.id for SportyBet/Bet9ja. Every new table is keyed by that event first.
--
-- What 0001 stored is converted: the full snapshots become the history rows they imply (first seen,
-- changes, closings) and current_odds is the state of each event's latest snapshot per site.

CREATE TABLE market_keys (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    market_id text NOT NULL,
    line double precision,
    handicap_type varchar(20),
    handicap_home double precision,
    handicap_away double precision,
    CONSTRAINT uq_market_keys UNIQUE NULLS NOT DISTINCT (market_id, line, handicap_type, handicap_home, handicap_away),
    CONSTRAINT ck_market_keys_handicap_type CHECK (handicap_type IN ('asian', 'european'))
);

CREATE TABLE market_shapes (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    market_name text NOT NULL,
    outcome_names text[] NOT NULL,
    groups text[],
    CONSTRAINT uq_market_shapes UNIQUE NULLS NOT DISTINCT (market_name, outcome_names, groups)
);

CREATE TABLE odds_history (
    event_id bigint NOT NULL,
    captured_at timestamptz NOT NULL,
    scrape_run_id integer NOT NULL,
    key_id integer NOT NULL,
    shape_id integer,
    bookmaker_id smallint NOT NULL,
    odds bytea
) PARTITION BY RANGE (captured_at);
-- One small index: btree deduplication stores each event id once per leaf page. Rows arrive in
-- time order, so a BRIN index (a few kB a partition) finds a run's rows by their capture time.
CREATE INDEX idx_odds_history_event ON odds_history (event_id);
CREATE INDEX idx_odds_history_captured ON odds_history USING brin (captured_at);

CREATE TABLE current_odds (
    event_id bigint NOT NULL,
    bookmaker_id smallint NOT NULL,
    key_id integer NOT NULL,
    shape_id integer NOT NULL,
    odds bytea NOT NULL,
    first_seen timestamptz NOT NULL,
    last_changed timestamptz NOT NULL,
    CONSTRAINT pk_current_odds PRIMARY KEY (event_id, bookmaker_id, key_id)
) WITH (fillfactor = 70);  -- room on each page: a changed market is updated in place (HOT), no index churn

ALTER TABLE scrape_runs ADD COLUMN history_rows integer NOT NULL DEFAULT 0;

CREATE FUNCTION oddsstore_encode_odds(prices double precision[]) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE
        WHEN bool_and(CASE WHEN abs(p) < 2147483 THEN round(p * 1000) / 1000 = p ELSE false END)
            THEN '\x01'::bytea || string_agg(
                CASE WHEN abs(p) < 2147483 THEN int4send(round(p * 1000)::int4) END, ''::bytea ORDER BY n)
        ELSE '\x02'::bytea || string_agg(float8send(p), ''::bytea ORDER BY n)
    END
    FROM unnest(prices) WITH ORDINALITY AS t (p, n)
$$;

CREATE FUNCTION oddsstore_decode_odds(odds bytea) RETURNS double precision[]
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    prices double precision[] := '{}';
    bits bigint;
    v double precision;
BEGIN
    IF get_byte(odds, 0) = 1 THEN
        FOR i IN 0 .. (length(odds) - 1) / 4 - 1 LOOP
            prices := prices || (('x' || encode(substring(odds FROM 2 + i * 4 FOR 4), 'hex'))::bit(32)::int4
                                 / 1000::double precision);
        END LOOP;
    ELSE
        FOR i IN 0 .. (length(odds) - 1) / 8 - 1 LOOP
            bits := ('x' || encode(substring(odds FROM 2 + i * 8 FOR 8), 'hex'))::bit(64)::bigint;
            v := (1 + (bits & 4503599627370495)::double precision / 4503599627370496)
                 * power(2::double precision, ((bits >> 52) & 2047)::int - 1023);
            IF bits < 0 THEN
                v := -v;
            END IF;
            prices := prices || v;
        END LOOP;
    END IF;
    RETURN prices;
END
$$;

-- Partitions: one per UTC day and partitioned table, named <table>_YYYYMMDD.
CREATE FUNCTION oddsstore_ensure_partitions(days date[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
    d date;
    part text;
    created integer := 0;
    locked boolean := false;
BEGIN
    FOREACH d IN ARRAY days LOOP
        FOREACH parent IN ARRAY ARRAY['odds_history', 'odds_snapshots', 'competitor_odds_snapshots', 'event_scrape_status'] LOOP
            part := parent || '_' || to_char(d, 'YYYYMMDD');
            IF to_regclass(part) IS NULL THEN
                IF NOT locked THEN
                    PERFORM pg_advisory_xact_lock(hashtextextended('oddsstore:partitions', 0));
                    locked := true;
                    IF to_regclass(part) IS NOT NULL THEN
                        CONTINUE;
                    END IF;
                END IF;
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent,
                               d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END
$$;

-- Drop every day partition whose day ends at or before cutoff; returns the names dropped.
CREATE FUNCTION oddsstore_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname
        FROM pg_inherits AS i
        JOIN pg_class AS c ON c.oid = i.inhrelid
        JOIN pg_class AS p ON p.oid = i.inhparent
        WHERE p.relname IN ('odds_history', 'odds_snapshots', 'competitor_odds_snapshots', 'event_scrape_status')
          AND c.relname ~ '_[0-9]{8}$'
          AND (to_date(right(c.relname, 8), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        RETURN NEXT part.relname;
    END LOOP;
END
$$;

-- --- 0001's rows, in the new layout ----------------------------------------------------------------

CREATE TEMP TABLE _snap ON COMMIT DROP AS
SELECT 1::smallint AS bookmaker_id, s.event_id, s.id AS snapshot_id, s.scrape_run_id, s.captured_at,
       s.timing_ms, s.markets_seen, s.markets_mapped, s.markets_skipped, s.markets_rejected
FROM odds_snapshots AS s
UNION ALL
SELECT b.id, s.competitor_event_id, s.id, s.scrape_run_id, s.captured_at,
       s.timing_ms, s.markets_seen, s.markets_mapped, s.markets_skipped, s.markets_rejected
FROM competitor_odds_snapshots AS s
JOIN competitor_events AS c ON c.id = s.competitor_event_id
JOIN bookmakers AS b ON b.slug = c.source;

CREATE TEMP TABLE _mk ON COMMIT DROP AS
SELECT 1::smallint AS bookmaker_id, m.snapshot_id, m.id AS row_id, m.market_id, m.market_name, m.line,
       m.handicap_type, m.handicap_home, m.handicap_away, m.outcomes, m.groups
FROM market_odds AS m
UNION ALL
SELECT b.id, m.snapshot_id, m.id, m.market_id, m.market_name, m.line,
       m.handicap_type, m.handicap_home, m.handicap_away, m.outcomes, m.groups
FROM competitor_market_odds AS m
JOIN competitor_odds_snapshots AS s ON s.id = m.snapshot_id
JOIN competitor_events AS c ON c.id = s.competitor_event_id
JOIN bookmakers AS b ON b.slug = c.source;

INSERT INTO market_keys (market_id, line, handicap_type, handicap_home, handicap_away)
SELECT DISTINCT market_id, line, handicap_type, handicap_home, handicap_away FROM _mk
ON CONFLICT DO NOTHING;

CREATE TEMP TABLE _mv ON COMMIT DROP AS
SELECT m.bookmaker_id, m.snapshot_id, m.row_id, k.id AS key_id, m.market_name,
       ARRAY(SELECT o ->> 'name' FROM jsonb_array_elements(m.outcomes) WITH ORDINALITY AS t (o, n) ORDER BY n)
           AS outcome_names,
       oddsstore_encode_odds(ARRAY(
           SELECT CASE WHEN (o ->> 'is_active')::boolean THEN (o ->> 'odds')::float8 ELSE -((o ->> 'odds')::float8) END
           FROM jsonb_array_elements(m.outcomes) WITH ORDINALITY AS t (o, n) ORDER BY n)) AS odds,
       CASE WHEN m.groups IS NULL OR jsonb_typeof(m.groups) <> 'array' THEN NULL
            ELSE ARRAY(SELECT g FROM jsonb_array_elements_text(m.groups) WITH ORDINALITY AS t (g, n) ORDER BY n)
       END AS groups
FROM _mk AS m
JOIN market_keys AS k
  ON k.market_id = m.market_id
 AND k.line IS NOT DISTINCT FROM m.line
 AND k.handicap_type IS NOT DISTINCT FROM m.handicap_type
 AND k.handicap_home IS NOT DISTINCT FROM m.handicap_home
 AND k.handicap_away IS NOT DISTINCT FROM m.handicap_away;

INSERT INTO market_shapes (market_name, outcome_names, groups)
SELECT DISTINCT market_name, outcome_names, groups FROM _mv
ON CONFLICT DO NOTHING;

-- The state of every key in every old snapshot (the first row of a key repeated in one snapshot wins).
CREATE TEMP TABLE _st ON COMMIT DROP AS
SELECT DISTINCT ON (v.bookmaker_id, v.snapshot_id, v.key_id)
       v.bookmaker_id, v.snapshot_id, v.key_id, sh.id AS shape_id, v.odds
FROM _mv AS v
JOIN market_shapes AS sh
  ON sh.market_name = v.market_name AND sh.outcome_names = v.outcome_names
 AND sh.groups IS NOT DISTINCT FROM v.groups
ORDER BY v.bookmaker_id, v.snapshot_id, v.key_id, v.row_id;
CREATE INDEX ON _st (bookmaker_id, snapshot_id, key_id);

CREATE TEMP TABLE _status ON COMMIT DROP AS SELECT * FROM event_scrape_status;

DROP TABLE market_odds;
DROP TABLE competitor_market_odds;
DROP TABLE odds_snapshots;
DROP TABLE competitor_odds_snapshots;
DROP TABLE event_scrape_status;

CREATE SEQUENCE odds_snapshot_ids AS bigint;
CREATE SEQUENCE competitor_odds_snapshot_ids AS bigint;
CREATE SEQUENCE event_scrape_status_ids AS bigint;

-- BetPawa: one snapshot per event and run. markets_stored: the markets it holds (accepted by storage).
CREATE TABLE odds_snapshots (
    event_id bigint NOT NULL REFERENCES events (id),
    scrape_run_id bigint NOT NULL,
    captured_at timestamptz NOT NULL,
    id bigint NOT NULL DEFAULT nextval('odds_snapshot_ids'),
    timing_ms integer NOT NULL DEFAULT 0,
    markets_seen integer NOT NULL DEFAULT 0,
    markets_mapped integer NOT NULL DEFAULT 0,
    markets_stored integer NOT NULL DEFAULT 0,
    markets_skipped jsonb NOT NULL DEFAULT '{}'::jsonb,
    markets_rejected jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT uq_odds_snapshots_event_run PRIMARY KEY (event_id, scrape_run_id, captured_at)
) PARTITION BY RANGE (captured_at);
CREATE INDEX idx_odds_snapshots_run ON odds_snapshots (scrape_run_id);

CREATE TABLE competitor_odds_snapshots (
    competitor_event_id bigint NOT NULL REFERENCES competitor_events (id),
    scrape_run_id bigint NOT NULL,
    captured_at timestamptz NOT NULL,
    id bigint NOT NULL DEFAULT nextval('competitor_odds_snapshot_ids'),
    timing_ms integer NOT NULL DEFAULT 0,
    markets_seen integer NOT NULL DEFAULT 0,
    markets_mapped integer NOT NULL DEFAULT 0,
    markets_stored integer NOT NULL DEFAULT 0,
    markets_skipped jsonb NOT NULL DEFAULT '{}'::jsonb,
    markets_rejected jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT uq_competitor_odds_snapshots_event_run PRIMARY KEY (competitor_event_id, scrape_run_id, captured_at)
) PARTITION BY RANGE (captured_at);
CREATE INDEX idx_competitor_odds_snapshots_run ON competitor_odds_snapshots (scrape_run_id);

CREATE TABLE event_scrape_status (
    sportradar_id varchar(50) NOT NULL,
    scrape_run_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    id bigint NOT NULL DEFAULT nextval('event_scrape_status_ids'),
    status varchar(20) NOT NULL,
    platforms_requested jsonb NOT NULL DEFAULT '[]'::jsonb,
    platforms_scraped jsonb NOT NULL DEFAULT '[]'::jsonb,
    platforms_failed jsonb NOT NULL DEFAULT '[]'::jsonb,
    timing_ms integer NOT NULL DEFAULT 0,
    error_details jsonb,
    CONSTRAINT ck_event_scrape_status_status CHECK (status IN ('completed', 'failed')),
    CONSTRAINT uq_event_scrape_status_run_event PRIMARY KEY (sportradar_id, scrape_run_id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX idx_event_scrape_status_run ON event_scrape_status (scrape_run_id);

DO $$
BEGIN
    PERFORM oddsstore_ensure_partitions(ARRAY(
        SELECT DISTINCT (t AT TIME ZONE 'UTC')::date
        FROM (
            SELECT captured_at AS t FROM _snap
            UNION SELECT created_at FROM _status
            UNION SELECT now() + d * interval '1 day' FROM generate_series(-1, 7) AS d  -- a week ahead
        ) AS x
    ));
END
$$;

INSERT INTO odds_snapshots (event_id, scrape_run_id, captured_at, id, timing_ms, markets_seen, markets_mapped,
                            markets_stored, markets_skipped, markets_rejected)
SELECT s.event_id, s.scrape_run_id, s.captured_at, s.snapshot_id, s.timing_ms, s.markets_seen, s.markets_mapped,
       (SELECT count(*) FROM _st WHERE _st.bookmaker_id = 1 AND _st.snapshot_id = s.snapshot_id),
       s.markets_skipped, s.markets_rejected
FROM _snap AS s WHERE s.bookmaker_id = 1;

INSERT INTO competitor_odds_snapshots (competitor_event_id, scrape_run_id, captured_at, id, timing_ms, markets_seen,
                                       markets_mapped, markets_stored, markets_skipped, markets_rejected)
SELECT s.event_id, s.scrape_run_id, s.captured_at, s.snapshot_id, s.timing_ms, s.markets_seen, s.markets_mapped,
       (SELECT count(*) FROM _st WHERE _st.bookmaker_id = s.bookmaker_id AND _st.snapshot_id = s.snapshot_id),
       s.markets_skipped, s.markets_rejected
FROM _snap AS s WHERE s.bookmaker_id <> 1;

INSERT INTO event_scrape_status (sportradar_id, scrape_run_id, created_at, id, status, platforms_requested,
                                 platforms_scraped, platforms_failed, timing_ms, error_details)
SELECT sportradar_id, scrape_run_id, created_at, id, status, platforms_requested, platforms_scraped,
       platforms_failed, timing_ms, error_details
FROM _status;

DO $$
BEGIN
    PERFORM setval('odds_snapshot_ids', GREATEST(1, (SELECT max(id) FROM odds_snapshots)),
                   (SELECT max(id) FROM odds_snapshots) IS NOT NULL);
    PERFORM setval('competitor_odds_snapshot_ids', GREATEST(1, (SELECT max(id) FROM competitor_odds_snapshots)),
                   (SELECT max(id) FROM competitor_odds_snapshots) IS NOT NULL);
    PERFORM setval('event_scrape_status_ids', GREATEST(1, (SELECT max(id) FROM event_scrape_status)),
                   (SELECT max(id) FROM event_scrape_status) IS NOT NULL);
END
$$;

-- History: every key of a snapshot whose state differs from the previous snapshot of the same event
-- and site (or is new), and a closing for every key of the previous snapshot missing from this one.
INSERT INTO odds_history (event_id, captured_at, scrape_run_id, key_id, shape_id, bookmaker_id, odds)
WITH sn AS (
    SELECT s.*, lag(s.snapshot_id) OVER (
        PARTITION BY s.bookmaker_id, s.event_id ORDER BY s.captured_at, s.scrape_run_id, s.snapshot_id
    ) AS prev_id
    FROM _snap AS s
)
SELECT sn.event_id, sn.captured_at, sn.scrape_run_id, cur.key_id, cur.shape_id, sn.bookmaker_id, cur.odds
FROM sn
JOIN _st AS cur ON cur.bookmaker_id = sn.bookmaker_id AND cur.snapshot_id = sn.snapshot_id
LEFT JOIN _st AS prev
  ON prev.bookmaker_id = sn.bookmaker_id AND prev.snapshot_id = sn.prev_id AND prev.key_id = cur.key_id
WHERE prev.key_id IS NULL OR prev.shape_id <> cur.shape_id OR prev.odds <> cur.odds
UNION ALL
SELECT sn.event_id, sn.captured_at, sn.scrape_run_id, prev.key_id, NULL, sn.bookmaker_id, NULL
FROM sn
JOIN _st AS prev ON prev.bookmaker_id = sn.bookmaker_id AND prev.snapshot_id = sn.prev_id
WHERE NOT EXISTS (
    SELECT 1 FROM _st AS cur
    WHERE cur.bookmaker_id = sn.bookmaker_id AND cur.snapshot_id = sn.snapshot_id AND cur.key_id = prev.key_id
);

-- Current odds: the open markets of each event's latest snapshot per site; first_seen is the first
-- row since the key last closed.
INSERT INTO current_odds (event_id, bookmaker_id, key_id, shape_id, odds, first_seen, last_changed)
SELECT l.event_id, l.bookmaker_id, l.key_id, l.shape_id, l.odds,
       (SELECT min(h.captured_at) FROM odds_history AS h
        WHERE h.event_id = l.event_id AND h.bookmaker_id = l.bookmaker_id AND h.key_id = l.key_id
          AND h.captured_at > COALESCE((
              SELECT max(c.captured_at) FROM odds_history AS c
              WHERE c.event_id = l.event_id AND c.bookmaker_id = l.bookmaker_id AND c.key_id = l.key_id
                AND c.shape_id IS NULL), '-infinity')),
       l.captured_at
FROM (
    SELECT DISTINCT ON (h.event_id, h.bookmaker_id, h.key_id) h.*
    FROM odds_history AS h
    ORDER BY h.event_id, h.bookmaker_id, h.key_id, h.captured_at DESC, h.scrape_run_id DESC
) AS l
WHERE l.shape_id IS NOT NULL;
