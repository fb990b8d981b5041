"""The migrated schema has what the code relies on; migrating again is a no-op; the CLI works."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, TypeAlias

import asyncpg

from oddsstore.db import apply_migrations, create_pool, migrations_dir, with_database
from oddsstore.repositories.bookmakers import BOOKMAKER_IDS

Conn: TypeAlias = "asyncpg.Connection[Any]"

EXPECTED_COLUMNS: dict[str, set[str]] = {
    "site_events": {"sportradar_id", "bookmaker_id", "platform", "event_id"},  # 0005: a view
    "bookmakers": {"id", "slug", "name", "created_at"},
    "tournaments": {"id", "name", "country", "external_id", "created_at", "updated_at"},
    "events": {
        "id", "sportradar_id", "betpawa_event_id", "home_team", "away_team", "kickoff", "tournament_id",
        "created_at", "updated_at",
    },
    "competitor_tournaments": {"id", "source", "name", "country", "external_id", "created_at", "updated_at"},
    "competitor_events": {
        "id", "source", "external_id", "sportradar_id", "event_id", "home_team", "away_team", "kickoff",
        "tournament_id", "created_at", "updated_at",
    },
    "scrape_runs": {
        "id", "status", "trigger", "started_at", "finished_at", "heartbeat_at", "events_total",
        "events_scraped", "events_failed", "snapshots_created", "markets_stored", "history_rows", "discovery",
        "error",
    },
    "odds_snapshots": {
        "id", "event_id", "scrape_run_id", "captured_at", "timing_ms", "markets_seen", "markets_mapped",
        "markets_stored", "markets_skipped", "markets_rejected",
    },
    "competitor_odds_snapshots": {
        "id", "competitor_event_id", "scrape_run_id", "captured_at", "timing_ms", "markets_seen",
        "markets_mapped", "markets_stored", "markets_skipped", "markets_rejected",
    },
    "market_keys": {"id", "market_id", "line", "handicap_type", "handicap_home", "handicap_away"},
    "market_shapes": {"id", "market_name", "outcome_names", "groups"},
    "odds_history": {
        "event_id", "captured_at", "scrape_run_id", "key_id", "shape_id", "bookmaker_id", "odds",
    },
    "current_odds": {
        "event_id", "bookmaker_id", "key_id", "shape_id", "odds", "first_seen", "last_changed",
    },
    "event_scrape_status": {
        "id", "scrape_run_id", "sportradar_id", "status", "platforms_requested", "platforms_scraped",
        "platforms_failed", "timing_ms", "error_details", "created_at",
    },
    "board_events": {  # 0006: the board's projection
        "event_id", "version", "refreshed_at", "behind", "market_picks", "market_keys", "market_names",
        "market_sites", "margins", "outcome_counts", "outcome_names", "odds", "best_sites", "best_odds",
        "gaps", "behinds",
    },
}  # fmt: skip

EXPECTED_INDEXES = {
    "idx_event_scrape_status_run",
    "idx_odds_history_owner_key",  # 0004: replaced idx_odds_history_event (event_id)
    "idx_odds_history_run",  # 0007: BRIN on scrape_run_id, replaced the one on captured_at
    "idx_competitor_events_sr_id",
    "idx_odds_snapshots_run",
    "idx_competitor_odds_snapshots_run",
    "idx_odds_snapshots_event_time",
    "idx_competitor_odds_snapshots_event_time",
    "idx_current_odds_key",
}

# constraints named in sql/ (ON CONFLICT ON CONSTRAINT ...) and the checks the data relies on
EXPECTED_CONSTRAINTS = {
    ("tournaments", "uq_tournaments_name_country", "u"),
    ("events", "uq_events_sportradar_id", "u"),
    ("competitor_tournaments", "uq_competitor_tournaments_source_name_country", "u"),
    ("competitor_events", "uq_competitor_events_source_external_id", "u"),
    # the per-run tables are partitioned by time: their keys hold the partition column too
    ("odds_snapshots", "uq_odds_snapshots_event_run", "p"),
    ("competitor_odds_snapshots", "uq_competitor_odds_snapshots_event_run", "p"),
    ("event_scrape_status", "uq_event_scrape_status_run_event", "p"),
    ("current_odds", "pk_current_odds", "p"),
    ("market_keys", "uq_market_keys", "u"),
    ("market_shapes", "uq_market_shapes", "u"),
    ("event_scrape_status", "ck_event_scrape_status_status", "c"),
    ("scrape_runs", "ck_scrape_runs_status", "c"),
}

# The per-run tables keep no foreign key to scrape_runs (retention drops their partitions and then
# prunes the runs) and none across events (see ARCHITECTURE.md, "Outgrowing one machine").
FOREIGN_KEYS = {
    ("odds_snapshots", "event_id", "events"),
    ("competitor_odds_snapshots", "competitor_event_id", "competitor_events"),
    ("competitor_events", "event_id", "events"),
    ("competitor_events", "source", "bookmakers"),
}


async def test_every_table_and_column(conn: Conn) -> None:
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
    )
    actual: dict[str, set[str]] = {}
    for r in rows:
        actual.setdefault(r["table_name"], set()).add(r["column_name"])
    for table, columns in EXPECTED_COLUMNS.items():
        assert table in actual, f"missing table {table}"
        assert columns <= actual[table], f"{table} lacks {columns - actual[table]}"


async def test_every_time_column_is_timestamptz(conn: Conn) -> None:
    naive = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type = 'timestamp without time zone' "
        "AND table_name NOT LIKE '%yoyo%'"
    )
    assert [tuple(r) for r in naive] == []
    status_types = {
        r["column_name"]: (r["data_type"], r["character_maximum_length"], r["is_nullable"])
        for r in await conn.fetch(
            "SELECT column_name, data_type, character_maximum_length, is_nullable "
            "FROM information_schema.columns WHERE table_name = 'event_scrape_status'"
        )
    }
    assert status_types["sportradar_id"] == ("character varying", 50, "NO")
    assert status_types["timing_ms"][0] == "integer"
    assert status_types["error_details"] == ("jsonb", None, "YES")
    assert status_types["created_at"][0] == "timestamp with time zone"
    for column in ("platforms_requested", "platforms_scraped", "platforms_failed"):
        assert status_types[column][0] == "jsonb"


async def test_indexes_and_constraints(conn: Conn) -> None:
    indexes = {
        r["indexname"]
        for r in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    }
    assert indexes >= EXPECTED_INDEXES, EXPECTED_INDEXES - indexes
    constraints = {
        (r["table"], r["conname"], r["contype"])
        for r in await conn.fetch(
            "SELECT conrelid::regclass::text AS table, conname, contype::text AS contype FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace"
        )
    }
    assert constraints >= EXPECTED_CONSTRAINTS, EXPECTED_CONSTRAINTS - constraints
    fks = {
        (r["tbl"], r["col"], r["ref"])
        for r in await conn.fetch(
            "SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.confrelid::regclass::text AS ref "
            "FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
            "WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
        )
    }
    assert fks >= FOREIGN_KEYS, FOREIGN_KEYS - fks


async def test_status_row_is_unique_per_run_and_event(conn: Conn, run_id: int) -> None:
    import pytest

    # The key holds created_at (the partition column, now() by default); storage checks (run, event)
    # under the run's advisory lock as well (test_store_batch: the same batch twice writes nothing).
    insert = (
        "INSERT INTO event_scrape_status (scrape_run_id, sportradar_id, status) VALUES ($1, 'sr:1', 'failed')"
    )
    async with conn.transaction():
        await conn.execute(insert, run_id)
        with pytest.raises(asyncpg.UniqueViolationError):
            async with conn.transaction():
                await conn.execute(insert, run_id)
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute(
            "INSERT INTO event_scrape_status (scrape_run_id, sportradar_id, status) "
            "VALUES ($1, 'sr:2', 'odd')",
            run_id,
        )


async def test_bookmakers_are_seeded(conn: Conn) -> None:
    rows = await conn.fetch("SELECT id, slug FROM bookmakers ORDER BY id")
    assert [(r["id"], r["slug"]) for r in rows] == [(1, "betpawa"), (2, "sportybet"), (3, "bet9ja")]
    assert {p.value: i for p, i in BOOKMAKER_IDS.items()} == {r["slug"]: r["id"] for r in rows}


async def test_migrating_again_is_a_no_op(db_dsn: str) -> None:
    async def snapshot() -> list[tuple[Any, ...]]:
        c = await asyncpg.connect(db_dsn)
        try:
            rows = await c.fetch(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' ORDER BY 1, 2"
            )
            return [tuple(r) for r in rows] + [(await c.fetchval("SELECT count(*) FROM bookmakers"),)]
        finally:
            await c.close()

    before = await snapshot()
    assert await apply_migrations(db_dsn) == []
    assert await apply_migrations(db_dsn) == []
    assert await snapshot() == before


def _migration_ids() -> list[str]:
    return sorted(p.stem for p in migrations_dir().glob("*.sql") if not p.stem.endswith(".rollback"))


async def test_migrate_applies_to_an_empty_database_and_reports_ids(pg_dsn: str) -> None:
    dsn = with_database(pg_dsn, "oddsstore_empty_mig")
    admin = await asyncpg.connect(pg_dsn)
    try:
        await admin.execute('CREATE DATABASE "oddsstore_empty_mig"')
        assert await apply_migrations(dsn) == _migration_ids()
        assert await apply_migrations(dsn) == []
    finally:
        await admin.execute('DROP DATABASE IF EXISTS "oddsstore_empty_mig" WITH (FORCE)')
        await admin.close()


def test_cli_migrate_twice_says_up_to_date(db_dsn: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ODDSSTORE_DSN"}
    env["ODDSSTORE_DSN"] = db_dsn  # the DSN may also come from the environment
    done = subprocess.run(
        [sys.executable, "-m", "oddsstore", "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "oddsstore", "migrate"],
        env={k: v for k, v in env.items() if k != "ODDSSTORE_DSN"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert "ODDSSTORE_DSN" in missing.stderr


async def test_pool_speaks_utc_and_jsonb_and_honours_statement_timeout(db_dsn: str) -> None:
    import pytest

    pool = await create_pool(db_dsn, statement_timeout_ms=200, min_size=1, max_size=2)
    try:
        async with pool.acquire() as c:
            assert await c.fetchval("SHOW timezone") == "UTC"
            assert await c.fetchval("SHOW statement_timeout") == "200ms"
            assert await c.fetchval("SELECT $1::jsonb", {"a": [1, 2.5]}) == {"a": [1, 2.5]}
            assert await c.fetchval("SELECT $1::json", ["x", None]) == ["x", None]
            # a str is JSON text already encoded: sent as is, not wrapped in quotes
            assert await c.fetchval("SELECT $1::jsonb ->> 'k'", '{"k": "v"}') == "v"
            assert await c.fetchval("SELECT jsonb_typeof($1::jsonb)", '"just text"') == "string"
            with pytest.raises(asyncpg.QueryCanceledError):
                await c.execute("SELECT pg_sleep(2)")
    finally:
        await pool.close()
