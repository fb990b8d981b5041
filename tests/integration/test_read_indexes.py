"""Migration 0004 (the read indexes): on the tables and every day partition, the reads answer the same
with and without them, and the rollback gives 0003's index back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from migrations_kit import rollback_migration
from reads_kit import batch_of, event_on, one_x_two

from oddsstore.db import apply_migrations
from oddsstore.models import Market, Outcome, Platform
from oddsstore.reads import ComparisonRepository, OddsRepository
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
T0 = datetime(2026, 3, 1, 23, 58, tzinfo=UTC)  # the second run falls on the next day's partition
KICKOFF = T0 + timedelta(hours=5)
NEW = {
    "idx_odds_history_owner_key": ("odds_history", "(event_id, bookmaker_id, key_id)"),
    "idx_odds_snapshots_event_time": ("odds_snapshots", "(event_id, captured_at, scrape_run_id)"),
    "idx_competitor_odds_snapshots_event_time": (
        "competitor_odds_snapshots",
        "(competitor_event_id, captured_at, scrape_run_id)",
    ),
    "idx_current_odds_key": ("current_odds", "(key_id)"),
}
OLD = {"idx_odds_history_event": ("odds_history", "(event_id)")}


def _btts(yes: float, no: float) -> Market:
    return Market("3795", "BTTS", (Outcome("Yes", yes), Outcome("No", no)))


async def _store_two_runs(dsn: str) -> list[int]:
    c: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        runs = []
        for at, markets in (
            (T0, [one_x_two(2.0, 3.4, 3.6), _btts(1.8, 1.9)]),
            (T0 + timedelta(minutes=5), [one_x_two(2.1, 3.3, 3.5)]),  # 1X2 moved, BTTS closed
        ):
            run = (await ScrapeRunsRepository(c).create(trigger="test")).id
            sites = {p: event_on(p, "5001", KICKOFF, markets) for p in (BP, SB, B9)}
            assert not (await store_batch(c, batch_of([sites], at), run)).errors
            runs.append(run)
        return runs
    finally:
        await c.close()


async def _reads(dsn: str) -> list[Any]:
    """What the indexed reads answer: as of each run, now, the 1X2 movement, the board."""
    c: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        odds = OddsRepository(c)
        out: list[Any] = []
        for at in (T0 + timedelta(minutes=1), T0 + timedelta(minutes=6)):
            sites = await odds.as_of(sportradar_id="5001", at=at)
            out.append(
                {
                    p.value: (
                        s.scrape_run_id,
                        sorted((m.market_id, tuple(o.odds for o in m.outcomes)) for m in s.markets),
                    )
                    for p, s in sites.items()
                }
            )
        now = await odds.current(sportradar_id="5001")
        out.append({p.value: (s.scrape_run_id, [m.market_id for m in s.markets]) for p, s in now.items()})
        reads = ComparisonRepository(c, clock=lambda: T0)
        movement = await reads.movement(sportradar_id="5001", market_id="3743")
        out.append([(o.platform.value, o.outcome, [p.odds for p in o.changes]) for o in movement.outcomes])
        board = await reads.board(markets=["3743", "3795"])
        out.append(board.to_dict())
        return out
    finally:
        await c.close()


async def _indexes(dsn: str) -> dict[str, list[str]]:
    """Index name -> the tables it is defined on (by column list): the parent and the two runs' days."""
    c: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        rows = await c.fetch("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'")
    finally:
        await c.close()
    found: dict[str, list[str]] = {}
    for name, (table, columns) in {**NEW, **OLD}.items():
        found[name] = sorted(
            r["tablename"]
            for r in rows
            if r["tablename"] in (table, f"{table}_20260301", f"{table}_20260302")
            and r["indexdef"].endswith(f"USING btree {columns}")
        )
    return found


def test_the_read_indexes_serve_every_partition_and_roll_back(db_dsn: str) -> None:
    runs = asyncio.run(_store_two_runs(db_dsn))
    days = ["20260301", "20260302"]  # both runs' day partitions
    indexed = asyncio.run(_indexes(db_dsn))
    assert indexed["idx_odds_history_owner_key"] == ["odds_history", *(f"odds_history_{d}" for d in days)]
    assert indexed["idx_odds_snapshots_event_time"] == [
        "odds_snapshots",
        *(f"odds_snapshots_{d}" for d in days),
    ]
    assert indexed["idx_competitor_odds_snapshots_event_time"] == [
        "competitor_odds_snapshots",
        *(f"competitor_odds_snapshots_{d}" for d in days),
    ]
    assert indexed["idx_current_odds_key"] == ["current_odds"]
    assert indexed["idx_odds_history_event"] == []

    with_indexes = asyncio.run(_reads(db_dsn))
    first, second, now, movement, _ = with_indexes
    assert first == {
        p: (runs[0], [("3743", (2.0, 3.4, 3.6)), ("3795", (1.8, 1.9))])
        for p in ("betpawa", "sportybet", "bet9ja")
    }
    assert second == {p: (runs[1], [("3743", (2.1, 3.3, 3.5))]) for p in ("betpawa", "sportybet", "bet9ja")}
    assert now == {p: (runs[1], ["3743"]) for p in ("betpawa", "sportybet", "bet9ja")}
    assert [m for m in movement if m[0] == "betpawa"] == [
        ("betpawa", "1", [2.0, 2.1]),
        ("betpawa", "X", [3.4, 3.3]),
        ("betpawa", "2", [3.6, 3.5]),
    ]

    rollback_migration(db_dsn, "0004")
    indexed = asyncio.run(_indexes(db_dsn))
    assert indexed["idx_odds_history_event"] == ["odds_history", *(f"odds_history_{d}" for d in days)]
    assert all(indexed[name] == [] for name in NEW)
    assert asyncio.run(_reads(db_dsn)) == with_indexes  # the same answers from 0003's indexes

    assert asyncio.run(apply_migrations(db_dsn)) == ["0004_read_indexes"]
    assert asyncio.run(_indexes(db_dsn))["idx_odds_history_owner_key"] == [
        "odds_history",
        *(f"odds_history_{d}" for d in days),
    ]
    assert asyncio.run(_reads(db_dsn)) == with_indexes


async def _brin_columns(dsn: str) -> dict[str, str]:
    """Table -> the column of its BRIN index, for odds_history and the two runs' day partitions."""
    c: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        rows = await c.fetch("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING brin%'")
    finally:
        await c.close()
    return {r["tablename"]: r["indexdef"].rsplit("(", 1)[1].rstrip(")") for r in rows}


async def _recomputed(dsn: str, runs: list[int]) -> list[tuple[int, int]]:
    """Per run: history_rows as recompute_counters finds it, and the rows counted directly."""
    c: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        out = []
        for run in runs:
            counters = await ScrapeRunsRepository(c).recompute_counters(run_id=run, reason="test")
            assert counters is not None
            direct = await c.fetchval("SELECT count(*) FROM odds_history WHERE scrape_run_id = $1", run)
            out.append((counters.history_rows, int(direct)))
        return out
    finally:
        await c.close()


def test_the_history_brin_is_on_the_run_and_rolls_back(db_dsn: str) -> None:
    runs = asyncio.run(_store_two_runs(db_dsn))
    tables = ["odds_history", "odds_history_20260301", "odds_history_20260302"]
    brin = asyncio.run(_brin_columns(db_dsn))
    assert {t: brin.get(t) for t in tables} == dict.fromkeys(tables, "scrape_run_id")
    recomputed = asyncio.run(_recomputed(db_dsn, runs))
    assert recomputed == [(6, 6), (6, 6)]  # 3 sites x (1X2, BTTS first seen), then x (1X2 moved, BTTS closed)
    answers = asyncio.run(_reads(db_dsn))

    rollback_migration(db_dsn, "0007")
    brin = asyncio.run(_brin_columns(db_dsn))
    assert {t: brin.get(t) for t in tables} == dict.fromkeys(tables, "captured_at")
    assert asyncio.run(_recomputed(db_dsn, runs)) == recomputed
    assert asyncio.run(_reads(db_dsn)) == answers

    assert asyncio.run(apply_migrations(db_dsn)) == ["0007_history_run_brin"]
    assert asyncio.run(_brin_columns(db_dsn)).get("odds_history") == "scrape_run_id"
