"""Repositories: a run's lifecycle, the cycle lock, status counts and the latest-odds read."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg

from oddsstore.devtools.batches import make_batch, make_event
from oddsstore.models import Platform, RunStatus, ScrapeBatch
from oddsstore.reads import OddsRepository
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"


async def test_run_lifecycle(conn: Conn) -> None:
    runs = ScrapeRunsRepository(conn)
    run = await runs.create(trigger="scheduler")
    assert run.status is RunStatus.RUNNING
    assert run.trigger == "scheduler"
    assert run.finished_at is None
    assert run.started_at.tzinfo is not None and run.started_at.utcoffset() == timedelta(0)

    await runs.set_discovery(run_id=run.id, discovery={"betpawa": 120, "sportybet": 110}, events_total=130)
    await runs.add_batch_counters(
        run_id=run.id, events_scraped=40, events_failed=2, snapshots_created=100, markets_stored=9000
    )
    await runs.add_batch_counters(
        run_id=run.id, events_scraped=8, events_failed=0, snapshots_created=20, markets_stored=1000
    )
    await runs.heartbeat(run_id=run.id)
    mid = await runs.get(run_id=run.id)
    assert mid is not None
    assert (mid.events_total, mid.events_scraped, mid.events_failed) == (130, 48, 2)
    assert (mid.snapshots_created, mid.markets_stored) == (120, 10000)
    assert mid.discovery == {"betpawa": 120, "sportybet": 110}
    assert mid.heartbeat_at is not None and mid.heartbeat_at >= run.started_at

    done = await runs.finish(run_id=run.id, status=RunStatus.PARTIAL, events_failed=3, error="bet9ja down")
    assert done.status is RunStatus.PARTIAL
    assert done.finished_at is not None and done.finished_at >= done.started_at
    assert done.events_failed == 3
    assert done.events_scraped == 48  # not given: keeps the accumulated value
    assert done.error == "bet9ja down"
    assert await runs.get(run_id=run.id + 1000) is None


async def test_finish_refuses_running_and_unknown_runs(conn: Conn) -> None:
    import pytest

    runs = ScrapeRunsRepository(conn)
    run = await runs.create(trigger="t")
    with pytest.raises(ValueError, match="running"):
        await runs.finish(run_id=run.id, status=RunStatus.RUNNING)
    with pytest.raises(LookupError):
        await runs.finish(run_id=run.id + 99, status=RunStatus.FAILED)


async def test_fail_abandoned_runs_closes_every_other_running_run_only(conn: Conn) -> None:
    runs = ScrapeRunsRepository(conn)
    stale_a = await runs.create(trigger="scheduler")
    stale_b = await runs.create(trigger="api")
    finished = await runs.create(trigger="cli")
    await runs.finish(run_id=finished.id, status=RunStatus.COMPLETED)
    mine = await runs.create(trigger="scheduler")

    closed = await runs.fail_abandoned_runs(except_run_id=mine.id, reason="abandoned: its cycle died")

    assert closed == 2
    for stale in (stale_a, stale_b):
        row = await runs.get(run_id=stale.id)
        assert row is not None
        assert row.status is RunStatus.FAILED
        assert row.error == "abandoned: its cycle died (no heartbeat)"  # no backend was recorded
        assert row.finished_at is not None and row.finished_at >= stale.started_at
    kept = await runs.get(run_id=finished.id)
    assert kept is not None and kept.status is RunStatus.COMPLETED and kept.error is None
    current = await runs.get(run_id=mine.id)
    assert current is not None and current.status is RunStatus.RUNNING and current.finished_at is None
    assert await runs.fail_abandoned_runs(except_run_id=mine.id, reason="again") == 0
    other = await runs.create(trigger="api")  # a heartbeat younger than the limit is spared
    assert await runs.fail_abandoned_runs(except_run_id=mine.id, reason="x", stale_after_s=60) == 0
    row = await runs.get(run_id=other.id)
    assert row is not None and row.status is RunStatus.RUNNING


async def test_cycle_lock_is_exclusive_across_sessions(db_dsn: str) -> None:
    first = await asyncpg.connect(db_dsn)
    second = await asyncpg.connect(db_dsn)
    try:
        a, b = ScrapeRunsRepository(first), ScrapeRunsRepository(second)
        assert await a.try_cycle_lock() is True
        assert await b.try_cycle_lock() is False
        assert await b.release_cycle_lock() is False  # not its lock
        assert await a.release_cycle_lock() is True
        assert await b.try_cycle_lock() is True
        await second.close()  # a lost session frees the lock
        assert await a.try_cycle_lock() is True
        assert await a.release_cycle_lock() is True
    finally:
        await first.close()
        if not second.is_closed():
            await second.close()


async def test_latest_odds_for_event_picks_the_newest_snapshot_per_site(conn: Conn) -> None:
    runs = ScrapeRunsRepository(conn)
    t0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
    old_run = (await runs.create(trigger="t")).id
    new_run = (await runs.create(trigger="t")).id
    old = make_event(random.Random(1), 42, markets_per_snapshot=4, now=t0)
    new = make_event(random.Random(2), 42, markets_per_snapshot=6, now=t0 + timedelta(minutes=5))
    await store_batch(conn, ScrapeBatch(events=(old,)), old_run)
    await store_batch(conn, ScrapeBatch(events=(new,)), new_run)

    latest = await OddsRepository(conn).latest_odds_for_event(sportradar_id="sr:match:42")

    assert set(latest) == {Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA}
    for result in new.results:
        assert result.odds is not None
        site = latest[result.platform]
        assert site.scrape_run_id == new_run
        assert site.captured_at == t0 + timedelta(minutes=5)
        assert set(site.markets) == set(result.odds.markets)
    assert await OddsRepository(conn).latest_odds_for_event(sportradar_id="sr:match:404") == {}


async def test_counts_for_an_empty_run(conn: Conn, run_id: int) -> None:
    counts = await ScrapeStatusRepository(conn).counts_for_run(run_id=run_id)
    assert counts.by_status == {}
    assert counts.failed_by_platform == {}
    assert counts.total == 0


async def test_store_batch_inside_a_callers_transaction_rolls_back_with_it(conn: Conn, run_id: int) -> None:
    batch = make_batch(seed=4, events=2, markets_per_snapshot=2)
    tx = conn.transaction()
    await tx.start()
    result = await store_batch(conn, batch, run_id)
    await tx.rollback()
    assert result.snapshots_created == 6
    assert await conn.fetchval("SELECT count(*) FROM odds_history") == 0
    assert await conn.fetchval("SELECT count(*) FROM current_odds") == 0
    assert await conn.fetchval("SELECT count(*) FROM odds_snapshots") == 0
    assert await conn.fetchval("SELECT count(*) FROM event_scrape_status") == 0
