-- The oddsstore schema: bookmakers (seeded here), BetPawa events and competitor events, scrape runs,
-- odds snapshots with their markets, and one status row per event and run. timestamptz everywhere.
-- Needs PostgreSQL 15 or later (UNIQUE NULLS NOT DISTINCT).

CREATE TABLE bookmakers (
    id smallint PRIMARY KEY,
    slug varchar(20) NOT NULL UNIQUE,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The seed is part of the schema: a missing bookmaker row must never drop snapshots silently.
INSERT INTO bookmakers (id, slug, name) VALUES
    (1, 'betpawa', 'BetPawa'),
    (2, 'sportybet', 'SportyBet'),
    (3, 'bet9ja', 'Bet9ja');

CREATE TABLE tournaments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    country text,
    external_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_tournaments_name_country UNIQUE NULLS NOT DISTINCT (name, country)
);

CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sportradar_id varchar(50) NOT NULL,
    betpawa_event_id text NOT NULL,
    home_team text NOT NULL,
    away_team text NOT NULL,
    kickoff timestamptz NOT NULL,
    tournament_id bigint REFERENCES tournaments (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_events_sportradar_id UNIQUE (sportradar_id)
);
CREATE INDEX idx_events_kickoff ON events (kickoff);

CREATE TABLE competitor_tournaments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source varchar(20) NOT NULL REFERENCES bookmakers (slug),
    name text NOT NULL,
    country text,
    external_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_competitor_tournaments_source_name_country UNIQUE NULLS NOT DISTINCT (source, name, country)
);

CREATE TABLE competitor_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source varchar(20) NOT NULL REFERENCES bookmakers (slug),
    external_id text NOT NULL,
    sportradar_id varchar(50) NOT NULL,
    event_id bigint REFERENCES events (id),
    home_team text NOT NULL,
    away_team text NOT NULL,
    kickoff timestamptz NOT NULL,
    tournament_id bigint REFERENCES competitor_tournaments (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_competitor_events_source_external_id UNIQUE (source, external_id)
);
CREATE INDEX idx_competitor_events_sr_id ON competitor_events (sportradar_id);
CREATE INDEX idx_competitor_events_event_id ON competitor_events (event_id);

CREATE TABLE scrape_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status varchar(20) NOT NULL DEFAULT 'running',
    trigger varchar(50) NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    heartbeat_at timestamptz,
    events_total integer NOT NULL DEFAULT 0,
    events_scraped integer NOT NULL DEFAULT 0,
    events_failed integer NOT NULL DEFAULT 0,
    snapshots_created integer NOT NULL DEFAULT 0,
    markets_stored integer NOT NULL DEFAULT 0,
    discovery jsonb NOT NULL DEFAULT '{}'::jsonb,
    error text,
    CONSTRAINT ck_scrape_runs_status CHECK (status IN ('running', 'completed', 'partial', 'failed'))
);
CREATE INDEX idx_scrape_runs_started_at ON scrape_runs (started_at);

-- BetPawa: one snapshot per event and run; the parser's counters and storage's refusals kept beside it.
CREATE TABLE odds_snapshots (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id bigint NOT NULL REFERENCES events (id),
    scrape_run_id bigint NOT NULL REFERENCES scrape_runs (id),
    captured_at timestamptz NOT NULL DEFAULT now(),
    timing_ms integer NOT NULL DEFAULT 0,
    markets_seen integer NOT NULL DEFAULT 0,
    markets_mapped integer NOT NULL DEFAULT 0,
    markets_skipped jsonb NOT NULL DEFAULT '{}'::jsonb,
    markets_rejected jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT uq_odds_snapshots_event_run UNIQUE (event_id, scrape_run_id)
);
CREATE INDEX idx_odds_snapshots_run ON odds_snapshots (scrape_run_id);

CREATE TABLE market_odds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    snapshot_id bigint NOT NULL REFERENCES odds_snapshots (id) ON DELETE CASCADE,
    market_id text NOT NULL,
    market_name text NOT NULL,
    line double precision,
    handicap_type varchar(20),
    handicap_home double precision,
    handicap_away double precision,
    outcomes jsonb NOT NULL,
    groups jsonb,
    CONSTRAINT ck_market_odds_handicap_type CHECK (handicap_type IN ('asian', 'european'))
);
CREATE INDEX idx_market_odds_snapshot ON market_odds (snapshot_id);

-- SportyBet and Bet9ja.
CREATE TABLE competitor_odds_snapshots (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    competitor_event_id bigint NOT NULL REFERENCES competitor_events (id),
    scrape_run_id bigint NOT NULL REFERENCES scrape_runs (id),
    captured_at timestamptz NOT NULL DEFAULT now(),
    timing_ms integer NOT NULL DEFAULT 0,
    markets_seen integer NOT NULL DEFAULT 0,
    markets_mapped integer NOT NULL DEFAULT 0,
    markets_skipped jsonb NOT NULL DEFAULT '{}'::jsonb,
    markets_rejected jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT uq_competitor_odds_snapshots_event_run UNIQUE (competitor_event_id, scrape_run_id)
);
CREATE INDEX idx_competitor_odds_snapshots_run ON competitor_odds_snapshots (scrape_run_id);

CREATE TABLE competitor_market_odds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    snapshot_id bigint NOT NULL REFERENCES competitor_odds_snapshots (id) ON DELETE CASCADE,
    market_id text NOT NULL,
    market_name text NOT NULL,
    line double precision,
    handicap_type varchar(20),
    handicap_home double precision,
    handicap_away double precision,
    outcomes jsonb NOT NULL,
    groups jsonb,
    CONSTRAINT ck_competitor_market_odds_handicap_type CHECK (handicap_type IN ('asian', 'european'))
);
CREATE INDEX idx_competitor_market_odds_snapshot ON competitor_market_odds (snapshot_id);

-- One row per event and run, as users of the replaced system know it.
CREATE TABLE event_scrape_status (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scrape_run_id bigint NOT NULL REFERENCES scrape_runs (id),
    sportradar_id varchar(50) NOT NULL,
    status varchar(20) NOT NULL,
    platforms_requested jsonb NOT NULL DEFAULT '[]'::jsonb,
    platforms_scraped jsonb NOT NULL DEFAULT '[]'::jsonb,
    platforms_failed jsonb NOT NULL DEFAULT '[]'::jsonb,
    timing_ms integer NOT NULL DEFAULT 0,
    error_details jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_event_scrape_status_status CHECK (status IN ('completed', 'failed')),
    CONSTRAINT uq_event_scrape_status_run_event UNIQUE (scrape_run_id, sportradar_id)
);
CREATE INDEX idx_event_scrape_status_run ON event_scrape_status (scrape_run_id);
CREATE INDEX idx_event_scrape_status_sr_id ON event_scrape_status (sportradar_id);
