"""The cycle lock through a lost connection, a frozen database, and the end-of-cycle recount.

Real PostgreSQL; the database is reached through ``fault_kit.Relay``: ``cut()`` drops every connection
(what a restart does to its clients: sessions, and their advisory locks, are gone), ``freeze()`` stops
forwarding without closing anything (every server process stopped, a network partition).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fault_kit import relay_to, settings_for
from proc_kit import slow_simulator

from oddsstore.clients import open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.db import create_pool
from oddsstore.devtools.batches import make_batch
from oddsstore.models import RunStatus, ScrapeBatch, StoreResult
from oddsstore.progress import BatchComplete, CycleComplete, CycleFailed, CycleSkipped, ProgressEvent
from oddsstore.repositories import CYCLE_LOCK_KEY, ScrapeRunsRepository
from oddsstore.storage import ledger as ledger_module
from oddsstore.storage.batch import store_batch
from oddsstore.storage.ledger import LOCK_LOST
from oddsstore.storage.retrying import RetryingStorer, StorerPolicy
from oddsstore.storage.spill import SpilledBatch, read_batches
from oddsstore.storage.storer import DEFERRED

pytestmark = pytest.mark.slow

_TAKE = "SELECT pg_try_advisory_lock($1)"
_QUICK = StorerPolicy(retry_pause_s=0.02, backoff_base_s=0.05, backoff_max_s=0.2, max_pending=64)
_HOLDER = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND objid = ($1::bigint & 4294967295)::oid"
)


async def _wait_for_holder(admin: asyncpg.Connection[Any], not_pid: int | None, timeout_s: float = 15) -> int:
    async with asyncio.timeout(timeout_s):
        while True:
            pid = await admin.fetchval(_HOLDER, CYCLE_LOCK_KEY)
            if pid is not None and pid != not_pid:
                return int(pid)
            await asyncio.sleep(0.05)


async def test_the_lock_is_taken_again_after_the_connection_is_lost_and_keeps_a_second_cycle_out(
    db_dsn: str, pool: asyncpg.Pool[Any]
) -> None:
    admin = await asyncpg.connect(db_dsn)
    second: list[ProgressEvent] = []
    try:
        async with relay_to(db_dsn) as relay, slow_simulator(80) as sim:
            relayed = await create_pool(relay.dsn, min_size=1, max_size=4)
            try:
                async with open_clients(settings_for(sim)) as clients:
                    options = CoordinatorSettings(batch_size=5, heartbeat_interval_s=0.2)
                    coord = EventCoordinator(clients, options)
                    # room for every batch scraped while the database is away (the test is about the lock)
                    coord.storer = RetryingStorer(relayed, coord.store_batch_results, policy=_QUICK)
                    events: list[ProgressEvent] = []
                    async with contextlib.aclosing(coord.run_full_cycle(relayed)) as progress:
                        async for event in progress:
                            events.append(event)
                            if isinstance(event, BatchComplete) and not second:
                                first_pid = await _wait_for_holder(admin, None)
                                await relay.cut()  # the lock's session is gone, as in a restart
                                await asyncio.sleep(0.3)
                                await relay.restore()
                                new_pid = await _wait_for_holder(admin, first_pid)
                                async with open_clients(settings_for(sim)) as others:
                                    other = EventCoordinator(others, CoordinatorSettings(batch_size=5))
                                    async with contextlib.aclosing(other.run_full_cycle(pool)) as theirs:
                                        second = [e async for e in theirs]
            finally:
                await relayed.close()
        run: Any = await admin.fetchrow("SELECT * FROM scrape_runs WHERE id = $1", events[0].run_id)  # type: ignore[attr-defined]
    finally:
        await admin.close()
    assert isinstance(second[-1], CycleSkipped), second[-1]
    assert new_pid != first_pid and run["lock_backend_pid"] == new_pid
    assert isinstance(events[-1], CycleComplete), getattr(events[-1], "error", events[-1])
    assert run["status"] in ("completed", "partial") and run["error"] is None


async def test_a_lock_session_terminated_while_idle_is_replaced_and_the_lock_taken_again(
    db_dsn: str, pool: asyncpg.Pool[Any]
) -> None:
    admin = await asyncpg.connect(db_dsn)
    holders: list[int] = []
    try:
        async with slow_simulator(60) as sim, open_clients(settings_for(sim)) as clients:
            coord = EventCoordinator(clients, CoordinatorSettings(batch_size=5, heartbeat_interval_s=0.3))
            async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
                events: list[ProgressEvent] = []
                async for event in progress:
                    events.append(event)
                    if isinstance(event, BatchComplete) and not holders:
                        holders.append(await _wait_for_holder(admin, None))
                        await admin.execute("SELECT pg_terminate_backend($1)", holders[0])
                        holders.append(await _wait_for_holder(admin, holders[0]))
        run: Any = await admin.fetchrow("SELECT * FROM scrape_runs WHERE id = $1", events[0].run_id)  # type: ignore[attr-defined]
    finally:
        await admin.close()
    assert isinstance(events[-1], CycleComplete), events[-1]
    assert holders[1] != holders[0] and run["lock_backend_pid"] == holders[1]


async def test_a_cycle_whose_lock_another_cycle_took_meanwhile_stops_with_the_reason(
    db_dsn: str,
) -> None:
    admin = await asyncpg.connect(db_dsn)
    thief = await asyncpg.connect(db_dsn)
    try:
        async with relay_to(db_dsn) as relay, slow_simulator(80) as sim:
            relayed = await create_pool(relay.dsn, min_size=1, max_size=4)
            try:
                async with open_clients(settings_for(sim)) as clients:
                    options = CoordinatorSettings(batch_size=5, heartbeat_interval_s=0.2)
                    coord = EventCoordinator(clients, options)
                    events: list[ProgressEvent] = []
                    started = time.monotonic()
                    async with contextlib.aclosing(coord.run_full_cycle(relayed)) as progress:
                        async for event in progress:
                            events.append(event)
                            if isinstance(event, BatchComplete) and event.batch_index == 0:
                                await _wait_for_holder(admin, None)
                                await relay.cut()
                                async with asyncio.timeout(10):  # the old session ends, the lock is free
                                    while True:
                                        if await thief.fetchval(_TAKE, CYCLE_LOCK_KEY):
                                            break
                                        await asyncio.sleep(0.05)
                                await relay.restore()
                    elapsed = time.monotonic() - started
            finally:
                await relayed.close()
        run: Any = await admin.fetchrow("SELECT * FROM scrape_runs WHERE id = $1", events[0].run_id)  # type: ignore[attr-defined]
    finally:
        await thief.close()
        await admin.close()
    done = events[-1]
    assert isinstance(done, CycleFailed), done
    assert done.error.startswith(LOCK_LOST) and run["error"].startswith(LOCK_LOST)
    assert run["status"] == "failed" and run["events_scraped"] < run["events_total"]
    assert elapsed < 30


async def test_a_run_whose_recorded_backend_is_alive_is_never_closed_as_abandoned(
    conn: asyncpg.Connection[Any], db_dsn: str
) -> None:
    runs = ScrapeRunsRepository(conn)
    mine = (await runs.create(trigger="test")).id
    other = (await runs.create(trigger="test")).id
    owner = await asyncpg.connect(db_dsn)
    try:
        await ScrapeRunsRepository(owner).claim(run_id=other)
        assert await runs.fail_abandoned_runs(except_run_id=mine, reason="abandoned", stale_after_s=60) == 0
    finally:
        await owner.close()
    async with asyncio.timeout(10):
        while True:  # its backend exits a moment after the close
            if await runs.fail_abandoned_runs(except_run_id=mine, reason="abandoned", stale_after_s=60):
                break
            await asyncio.sleep(0.05)
    closed = await runs.get(run_id=other)
    assert closed is not None and closed.status is RunStatus.FAILED
    assert closed.error == "abandoned (its database session is gone)"


async def test_a_frozen_database_is_treated_like_a_down_one_backlog_flush_timeout_spill(
    db_dsn: str, pool: asyncpg.Pool[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "CALL_TIMEOUT_S", 1.0)
    monkeypatch.setattr(ledger_module, "FINISH_TIMEOUT_S", 1.0)
    policy = StorerPolicy(
        attempts=2,
        retry_pause_s=0.05,
        backoff_base_s=0.05,
        backoff_max_s=0.2,
        flush_timeout_s=1.0,
        acquire_timeout_s=1.0,
        attempt_timeout_s=1.0,
    )
    async with relay_to(db_dsn) as relay, slow_simulator(60) as sim:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=4)
        try:
            async with open_clients(settings_for(sim)) as clients:
                coord = EventCoordinator(clients, CoordinatorSettings(batch_size=5, heartbeat_interval_s=0.2))
                storer = RetryingStorer(relayed, coord.store_batch_results, spill_dir=tmp_path, policy=policy)
                coord.storer = storer
                events: list[ProgressEvent] = []
                async with contextlib.aclosing(coord.run_full_cycle(relayed)) as progress:
                    async for event in progress:
                        events.append(event)
                        if isinstance(event, BatchComplete) and event.batch_index == 0:
                            relay.freeze()
                            frozen_at = time.monotonic()
                ended_after = time.monotonic() - frozen_at
        finally:
            relay.thaw()
            await relay.cut()
            relay_pool_close = asyncio.ensure_future(relayed.close())
            await asyncio.wait_for(relay_pool_close, 10)
    done = events[-1]
    run_id = events[0].run_id  # type: ignore[attr-defined]
    lines = [x for x in read_batches(tmp_path / f"run-{run_id}.jsonl") if isinstance(x, SpilledBatch)]
    assert isinstance(done, CycleFailed), done
    assert ended_after < 45, ended_after  # bounded: not as long as the freeze lasts
    assert lines and storer.last_error is not None and "Timeout" in storer.last_error
    assert "spilled to" in done.error
    assert storer.spilled == len(lines) and storer.lost == 0


async def test_a_committed_batch_missing_at_the_recount_makes_the_run_partial_with_the_numbers(
    pool: asyncpg.Pool[Any],
) -> None:
    async with slow_simulator(30, time_scale=0.01) as sim, open_clients(settings_for(sim)) as clients:
        coord = EventCoordinator(clients, CoordinatorSettings(batch_size=10))

        async def store_then_lose(conn: Any, batch: ScrapeBatch, run_id: int) -> StoreResult:
            result = await coord.store_batch_results(conn, batch, run_id)
            if batch.batch_index == 1:  # committed, then gone (synchronous_commit=off and a crash)
                ids = [e.sportradar_id for e in batch.events]
                await conn.execute(
                    "DELETE FROM event_scrape_status WHERE scrape_run_id = $1 AND sportradar_id = ANY($2)",
                    run_id,
                    ids,
                )
            return result

        coord.storer = RetryingStorer(pool, store_then_lose)
        async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
            events = [e async for e in progress]
    done = events[-1]
    async with pool.acquire() as conn:
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)  # type: ignore[attr-defined]
    assert isinstance(done, CycleComplete), done
    assert done.status == "partial"
    assert run is not None and run.status is RunStatus.PARTIAL
    assert run.error is not None and run.error.startswith("recount: 20 of the 30 events this cycle stored")
    assert run.events_scraped + run.events_failed == 20


async def test_a_spill_directory_that_cannot_be_written_fails_the_run_before_the_first_batch(
    pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    async with slow_simulator(20, time_scale=0.01) as sim, open_clients(settings_for(sim)) as clients:
        coord = EventCoordinator(clients, CoordinatorSettings(batch_size=10))
        coord.storer = RetryingStorer(pool, coord.store_batch_results, spill_dir=blocker / "spill")
        async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
            events = [e async for e in progress]
    done = events[-1]
    assert isinstance(done, CycleFailed)
    assert done.error.startswith("RuntimeError: the spill directory cannot be written")
    assert not any(isinstance(e, BatchComplete) for e in events)


async def test_a_spill_that_fails_mid_cycle_says_lost_never_spilled(db_dsn: str, tmp_path: Path) -> None:
    spill_dir = tmp_path / "spill"
    async with relay_to(db_dsn) as relay, slow_simulator(30, time_scale=0.01) as sim:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=2)
        try:
            async with open_clients(settings_for(sim)) as clients:
                coord = EventCoordinator(clients, CoordinatorSettings(batch_size=10))
                policy = StorerPolicy(attempts=1, backoff_base_s=0.05, flush_timeout_s=0.3)
                store = coord.store_batch_results
                coord.storer = RetryingStorer(relayed, store, spill_dir=spill_dir, policy=policy)
                events: list[ProgressEvent] = []
                async with contextlib.aclosing(coord.run_full_cycle(relayed)) as progress:
                    async for event in progress:
                        events.append(event)
                        if event.type == "QUEUE_BUILT":  # checked writable at the start; gone now
                            spill_dir.rmdir()
                            spill_dir.write_text("not a directory any more")
                            await relay.cut()
        finally:
            await relay.restore()
            await relayed.close()
    done = events[-1]
    assert isinstance(done, CycleFailed), done
    assert "LOST: the spill to" in done.error and "failed" in done.error
    assert "spilled to" not in done.error


async def test_a_store_that_meets_a_frozen_server_is_deferred_after_one_deadline(
    db_dsn: str, run_id: int
) -> None:
    policy = StorerPolicy(attempts=3, retry_pause_s=0.01, attempt_timeout_s=0.5, flush_timeout_s=0.1)
    async with relay_to(db_dsn) as relay:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=2)
        try:
            storer = RetryingStorer(relayed, store_batch, policy=policy)
            relay.freeze()
            started = time.monotonic()
            result = await storer.store(make_batch(1, events=3, markets_per_snapshot=2), run_id)
            deferred_after = time.monotonic() - started
            await storer.drain("test over")
        finally:
            relay.thaw()
            await relay.cut()
            await asyncio.wait_for(relayed.close(), 10)
    assert result is DEFERRED
    assert deferred_after < 1.2, deferred_after  # one deadline, not three: scraping goes on
    assert storer.last_error is not None and storer.last_error.startswith("TimeoutError")
