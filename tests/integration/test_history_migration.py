"""Migration 0002 on a database that stored with 0001's layout: every old run reads back as it was."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
import psycopg
import pytest

from oddsstore.db import apply_migrations, migrations_dir, with_database
from oddsstore.models import Platform
from oddsstore.reads import OddsRepository

T0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def _yoyo_uri(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def _apply_only_0001(dsn: str) -> None:
    from yoyo import get_backend, read_migrations

    backend = get_backend(_yoyo_uri(dsn))
    try:
        migrations = read_migrations(str(migrations_dir()))
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations.filter(lambda m: m.id == "0001_schema")))
    finally:
        backend.connection.close()


@pytest.fixture
def old_dsn(pg_dsn: str) -> Iterator[str]:
    name = "oddsstore_mig0001"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    dsn = with_database(pg_dsn, name)
    _apply_only_0001(dsn)
    try:
        yield dsn
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def _outcomes(*prices: tuple[str, float, bool]) -> str:
    return orjson.dumps([{"name": n, "odds": p, "is_active": a} for n, p, a in prices]).decode()


# 0001-era rows, written the way 0001's SQL wrote them: three runs of one event on BetPawa and one on
# SportyBet; run 2 changes a price and drops the BTTS market, run 3 brings it back inactive.
RUNS: list[dict[str, list[tuple[str, str, float | None, str]]]] = [
    {
        "betpawa": [
            ("3743", "1X2", None, _outcomes(("1", 1.85, True), ("X", 3.4, True), ("2", 4.1, True))),
            ("3795", "BTTS", None, _outcomes(("Yes", 1.7, True), ("No", 2.05, True))),
            ("5000", "O/U", 2.5, _outcomes(("Over", 1.9, True), ("Under", 1.9, True))),
        ],
        "sportybet": [("3743", "1X2", None, _outcomes(("1", 1.8, True), ("X", 3.5, True), ("2", 4.0, True)))],
    },
    {
        "betpawa": [
            ("3743", "1X2", None, _outcomes(("1", 1.8, True), ("X", 3.4, True), ("2", 4.3333333333, True))),
            ("5000", "O/U", 2.5, _outcomes(("Over", 1.9, True), ("Under", 1.9, True))),
        ],
        "sportybet": [("3743", "1X2", None, _outcomes(("1", 1.8, True), ("X", 3.5, True), ("2", 4.0, True)))],
    },
    {
        "betpawa": [
            ("3743", "1X2", None, _outcomes(("1", 1.8, True), ("X", 3.4, True), ("2", 4.3333333333, True))),
            ("3795", "BTTS", None, _outcomes(("Yes", 1.7, False), ("No", 2.05, True))),
            ("5000", "O/U", 2.5, _outcomes(("Over", 1.9, True), ("Under", 1.9, True))),
        ],
        "sportybet": [],
    },
]


async def _store_0001(dsn: str) -> list[int]:
    c: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        event_id = await c.fetchval(
            "INSERT INTO events (sportradar_id, betpawa_event_id, home_team, away_team, kickoff) "
            "VALUES ('sr:match:77', 'bp77', 'H', 'A', $1) RETURNING id",
            T0 + timedelta(days=1),
        )
        comp_id = await c.fetchval(
            """INSERT INTO competitor_events
               (source, external_id, sportradar_id, event_id, home_team, away_team, kickoff)
               VALUES ('sportybet', 'sb77', 'sr:match:77', $1, 'H', 'A', $2) RETURNING id""",
            event_id,
            T0 + timedelta(days=1),
        )
        runs = []
        for i, run in enumerate(RUNS):
            run_id = await c.fetchval("INSERT INTO scrape_runs (trigger) VALUES ('old') RETURNING id")
            runs.append(run_id)
            at = T0 + timedelta(minutes=5 * i)
            snap = await c.fetchval(
                "INSERT INTO odds_snapshots (event_id, scrape_run_id, captured_at)"
                " VALUES ($1, $2, $3) RETURNING id",
                event_id,
                run_id,
                at,
            )
            for market_id, name, line, outcomes in run["betpawa"]:
                await c.execute(
                    "INSERT INTO market_odds (snapshot_id, market_id, market_name, line, outcomes, groups)"
                    " VALUES ($1, $2, $3, $4, $5::jsonb, '[\"popular\"]'::jsonb)",
                    snap,
                    market_id,
                    name,
                    line,
                    outcomes,
                )
            if True:  # a snapshot every run; run 3's holds no market
                csnap = await c.fetchval(
                    "INSERT INTO competitor_odds_snapshots (competitor_event_id, scrape_run_id, captured_at)"
                    " VALUES ($1, $2, $3) RETURNING id",
                    comp_id,
                    run_id,
                    at,
                )
                for market_id, name, line, outcomes in run["sportybet"]:
                    await c.execute(
                        "INSERT INTO competitor_market_odds"
                        " (snapshot_id, market_id, market_name, line, outcomes)"
                        " VALUES ($1, $2, $3, $4, $5::jsonb)",
                        csnap,
                        market_id,
                        name,
                        line,
                        outcomes,
                    )
            await c.execute(
                "INSERT INTO event_scrape_status (scrape_run_id, sportradar_id, status)"
                " VALUES ($1, 'sr:match:77', 'completed')",
                run_id,
            )
        return runs
    finally:
        await c.close()


def _expected(i: int, site: str) -> list[tuple[Any, ...]]:
    return sorted(
        (market_id, name, line, tuple((o["name"], o["odds"], o["is_active"]) for o in orjson.loads(text)))
        for market_id, name, line, text in RUNS[i][site]
    )


async def test_what_0001_stored_reads_back_through_the_new_reads(old_dsn: str) -> None:
    runs = await _store_0001(old_dsn)
    later = sorted(
        p.stem for p in migrations_dir().glob("*.sql") if not p.name.endswith(".rollback.sql")
    )[1:]  # every migration after 0001
    assert later[0] == "0002_change_only_history"
    assert await apply_migrations(old_dsn) == later
    assert await apply_migrations(old_dsn) == []

    c: asyncpg.Connection[Any] = await asyncpg.connect(old_dsn)
    try:
        repo = OddsRepository(c)
        for i, run_id in enumerate(runs):
            at = T0 + timedelta(minutes=5 * i, seconds=30)
            read = await repo.as_of(sportradar_id="sr:match:77", at=at)
            assert read[Platform.BETPAWA].scrape_run_id == run_id
            got = sorted(
                (m.market_id, m.market_name, m.line, tuple((o.name, o.odds, o.is_active) for o in m.outcomes))
                for m in read[Platform.BETPAWA].markets
            )
            assert got == _expected(i, "betpawa")
            assert all(m.groups == ("popular",) for m in read[Platform.BETPAWA].markets)
            sporty = read[Platform.SPORTYBET]
            assert sporty.scrape_run_id == run_id
            assert len(sporty.markets) == len(RUNS[i]["sportybet"])
        # run 3's SportyBet snapshot came back empty: every market closed
        assert (await repo.as_of(sportradar_id="sr:match:77", at=T0 + timedelta(hours=1)))[
            Platform.SPORTYBET
        ].markets == ()
        # history holds changes only: 3 + 1 first seen, run 2: 1X2 changed, BTTS closed; run 3: BTTS
        # back, SportyBet's 1X2 closed
        assert await c.fetchval("SELECT count(*) FROM odds_history") == 4 + 2 + 2
        now = await repo.current(sportradar_id="sr:match:77")
        assert sorted(
            (m.market_id, m.market_name, m.line, tuple((o.name, o.odds, o.is_active) for o in m.outcomes))
            for m in now[Platform.BETPAWA].markets
        ) == _expected(2, "betpawa")
        assert now[Platform.SPORTYBET].markets == ()
        # the run rows and status rows are kept, the snapshots know how many markets they hold
        assert await c.fetchval("SELECT count(*) FROM event_scrape_status") == 3
        assert [
            r["markets_stored"]
            for r in await c.fetch("SELECT markets_stored FROM odds_snapshots ORDER BY id")
        ] == [
            3,
            2,
            3,
        ]
    finally:
        await c.close()


def test_the_rollback_gives_0001s_full_snapshots_back(old_dsn: str) -> None:
    asyncio.run(_store_0001(old_dsn))
    asyncio.run(apply_migrations(old_dsn))
    from yoyo import get_backend, read_migrations

    backend = get_backend(_yoyo_uri(old_dsn))
    try:
        migrations = read_migrations(str(migrations_dir()))
        with backend.lock():
            backend.rollback_migrations(
                backend.to_rollback(migrations.filter(lambda m: m.id.startswith("0002")))
            )
    finally:
        backend.connection.close()
    with psycopg.connect(old_dsn) as c:
        rows = c.execute(
            "SELECT s.scrape_run_id, m.market_id, m.outcomes FROM market_odds m JOIN odds_snapshots s"
            " ON s.id = m.snapshot_id ORDER BY s.scrape_run_id, m.market_id"
        ).fetchall()
    by_run: dict[int, list[tuple[str, Any]]] = {}
    for run_id, market_id, outcomes in rows:
        by_run.setdefault(run_id, []).append((market_id, outcomes))
    assert [len(v) for _, v in sorted(by_run.items())] == [3, 2, 3]
    first_run = sorted(by_run)[0]
    assert dict(by_run[first_run])["3743"] == orjson.loads(RUNS[0]["betpawa"][0][3])
