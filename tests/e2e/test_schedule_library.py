"""``run_forever`` in the host's own process: cycles until ``max_cycles``, the metrics in a registry of
their own, and cancellation (a plain one, a graceful ``StopRequest``, a second stop through
``Scheduler.hurry``) with the run row finalized and the held-back batches spilled."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cycle_checks import run_rows
from fault_kit import relay_to, settings_for, simulator
from proc_kit import slow_simulator

from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.cycle.host import StopRequest
from oddsstore.cycle.metrics import CycleMetrics
from oddsstore.cycle.schedule import Scheduler, ScheduleSettings, run_forever
from oddsstore.db import Connection, create_pool
from oddsstore.models import ScrapeBatch, StoreResult
from oddsstore.progress import BatchComplete, BatchStart, EventScraped, ProgressEvent
from oddsstore.storage.batch import store_batch
from oddsstore.storage.retrying import StorerPolicy
from oddsstore.storage.spill import SpilledBatch, read_batches

pytestmark = pytest.mark.slow


async def test_run_forever_runs_its_cycles_and_counts_them_in_a_registry_of_its_own(
    pool: asyncpg.Pool[Any], conn: asyncpg.Connection[Any]
) -> None:
    mine, other = CycleMetrics(), CycleMetrics()  # two loops in one process: no collision
    async with simulator(12) as sim:
        ran = await run_forever(
            pool,
            settings_for(sim),
            every_s=0.2,
            max_cycles=3,
            coordinator_settings=CoordinatorSettings(batch_size=4, trigger="schedule"),
            metrics=mine,
        )
    runs = await conn.fetch("SELECT id, status, trigger FROM scrape_runs ORDER BY id")
    status_rows = await conn.fetchval("SELECT count(*) FROM event_scrape_status")
    history = await conn.fetchval("SELECT count(*) FROM odds_history")
    sample = mine.registry.get_sample_value
    assert ran == 3
    assert [(r["status"], r["trigger"]) for r in runs] == [("completed", "schedule")] * 3
    assert sample("oddsstore_cycles_total", {"status": "completed"}) == 3
    assert sample("oddsstore_rows_written_total", {"table": "status"}) == status_rows > 0
    assert sample("oddsstore_rows_written_total", {"table": "history"}) == history > 0
    assert sample("oddsstore_maintenance_runs_total", {"result": "ok"}) == 1  # at start, then daily
    assert other.registry.get_sample_value("oddsstore_cycles_total", {"status": "completed"}) is None
    for platform, served in sim.stats.items():  # one timed attempt per request a site received
        received = sum(served.requests.values())
        assert sample("oddsstore_site_request_seconds_count", {"site": platform.value}) == received > 0
    for run in runs:
        counted = await run_rows(conn, run["id"])
        assert counted.status_rows == 12 and counted.distinct_events == 12


async def _stop_after_first_batch(
    scheduler: Scheduler, stop: StopRequest | None, seen: list[ProgressEvent]
) -> asyncio.Task[int]:
    stored = asyncio.Event()

    def on_event(event: ProgressEvent) -> None:
        seen.append(event)
        if isinstance(event, BatchComplete):
            stored.set()

    scheduler.on_event = on_event
    task = asyncio.create_task(scheduler.run())
    await asyncio.wait_for(stored.wait(), 60)
    task.cancel(*([stop] if stop is not None else []))
    return task


@pytest.mark.parametrize("graceful", [True, False], ids=["StopRequest", "plain-cancel"])
async def test_a_cancelled_loop_finalizes_the_running_cycle(
    pool: asyncpg.Pool[Any], conn: asyncpg.Connection[Any], graceful: bool
) -> None:
    seen: list[ProgressEvent] = []
    async with slow_simulator(60) as sim:
        scheduler = Scheduler(
            pool,
            settings_for(sim),
            ScheduleSettings(every_s=60),
            coordinator_settings=CoordinatorSettings(batch_size=5),
        )
        stop = StopRequest(reason="stopped by the host", grace_s=2) if graceful else None
        task = await _stop_after_first_batch(scheduler, stop, seen)
        with pytest.raises(asyncio.CancelledError):
            await task
    run = await conn.fetchrow("SELECT * FROM scrape_runs")
    assert run is not None
    counted = await run_rows(conn, run["id"])
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert run["error"].startswith("stopped by the host" if graceful else "cancelled"), run["error"]
    assert counted.status_rows == run["events_scraped"] + run["events_failed"] < run["events_total"]
    assert scheduler.cycles == 0 and scheduler.run_id is None  # the cycle never counted as done


async def test_a_second_stop_ends_the_grace_at_once_and_spills_what_was_held_back(
    db_dsn: str, tmp_path: Path
) -> None:
    seen: list[ProgressEvent] = []
    async with relay_to(db_dsn) as relay, slow_simulator(80) as sim:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=4)
        try:
            policy = StorerPolicy(
                retry_pause_s=0.02, backoff_base_s=0.05, backoff_max_s=0.2, flush_timeout_s=600
            )
            scheduler = Scheduler(
                relayed,
                settings_for(sim),
                ScheduleSettings(every_s=60),
                coordinator_settings=CoordinatorSettings(batch_size=5, spill_dir=tmp_path),
                storer_policy=policy,
            )
            stored, held = asyncio.Event(), asyncio.Event()

            def on_event(event: ProgressEvent) -> None:
                seen.append(event)
                if isinstance(event, BatchComplete):
                    stored.set()
                if scheduler.storer is not None and scheduler.storer.unsaved >= 2:
                    held.set()  # scraping goes on while the storer holds batches back

            scheduler.on_event = on_event
            task = asyncio.create_task(scheduler.run())
            await asyncio.wait_for(stored.wait(), 60)
            await relay.cut()  # the database goes away: the next batches wait in the storer's backlog
            await asyncio.wait_for(held.wait(), 60)
            task.cancel(StopRequest(reason="stopped by signal (SIGTERM)", grace_s=600))
            await asyncio.sleep(0.5)
            assert not task.done()  # the grace is running: the backlog waits for the database
            scheduler.hurry()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, 60)  # far less than the grace
        finally:
            with contextlib.suppress(Exception):
                relayed.terminate()
    run_id = next(e.run_id for e in seen if isinstance(e, BatchComplete))
    spilled = [x for x in read_batches(tmp_path / f"run-{run_id}.jsonl") if isinstance(x, SpilledBatch)]
    assert len(spilled) >= 2  # held back, then written to the spill file, not lost
    assert all("stopped by signal (SIGTERM)" in x.reason for x in spilled)


async def test_a_stop_stores_the_batches_already_scraped_in_its_grace(
    pool: asyncpg.Pool[Any], conn: asyncpg.Connection[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gate = asyncio.Event()  # the database is slow: batches from the second on wait for it

    async def slow_store(
        self: EventCoordinator, db: Connection, batch: ScrapeBatch, run_id: int
    ) -> StoreResult:
        if batch.batch_index >= 1:
            await gate.wait()
        return await store_batch(db, batch, run_id)

    monkeypatch.setattr(EventCoordinator, "store_batch_results", slow_store)
    sizes: dict[int, int] = {}
    scraped: dict[int, list[str]] = {}
    stopped = asyncio.Event()
    async with slow_simulator(60) as sim:
        scheduler = Scheduler(
            pool,
            settings_for(sim),
            ScheduleSettings(every_s=60),
            coordinator_settings=CoordinatorSettings(batch_size=5, spill_dir=tmp_path),
        )

        first_stored: list[int] = []

        def on_event(event: ProgressEvent) -> None:
            if isinstance(event, BatchStart):
                sizes[event.batch_index] = event.events
            elif isinstance(event, BatchComplete) and event.batch_index == 0:
                first_stored.append(event.events_stored)
            elif isinstance(event, EventScraped):
                scraped.setdefault(event.batch_index, []).append(event.sportradar_id)
            # batch 0 is stored, batch 1 is being stored (slowly), batch 2 is scraped in full and waits
            # (on a loaded machine batch 2 may be scraped before batch 0's store has returned: a stop
            # then would overtake that store, which is another test's case)
            if not stopped.is_set() and first_stored and len(scraped.get(2, ())) == sizes.get(2):
                task.cancel(StopRequest(reason="stopped by the host", grace_s=30))
                stopped.set()

        scheduler.on_event = on_event
        task = asyncio.create_task(scheduler.run())
        await asyncio.wait_for(stopped.wait(), 60)
        await asyncio.sleep(0.3)  # the stop reaches the store it overtakes
        gate.set()  # the database answers again, within the stop's grace
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 60)
    run = await conn.fetchrow("SELECT * FROM scrape_runs")
    assert run is not None
    stored = {r["sportradar_id"] for r in await conn.fetch("SELECT sportradar_id FROM event_scrape_status")}
    in_full = {sr for index in (0, 1, 2) for sr in scraped[index]}
    assert len(in_full) == sizes[0] + sizes[1] + sizes[2] == 15
    assert in_full <= stored  # every batch scraped in full by the stop is stored, none dropped
    assert run["status"] == "failed" and run["error"] == "stopped by the host", run["error"]
    assert (await run_rows(conn, run["id"])).status_rows == run["events_scraped"] + run["events_failed"]
    assert await asyncio.to_thread(lambda: list(tmp_path.iterdir())) == []  # stored in the grace: no spill
    # the batches stored in the grace and the cycle's end reach the metrics too (the database's counts)
    sample = scheduler.metrics.registry.get_sample_value
    history = await conn.fetchval("SELECT count(*) FROM odds_history")
    per_site = await conn.fetch(
        "SELECT p.site, count(*) AS n FROM event_scrape_status AS s"
        " CROSS JOIN LATERAL jsonb_array_elements_text(s.platforms_scraped) AS p (site) GROUP BY p.site"
    )
    assert sample("oddsstore_rows_written_total", {"table": "status"}) == len(stored) >= 15
    assert sample("oddsstore_rows_written_total", {"table": "history"}) == history > 0
    for row in per_site:
        assert sample("oddsstore_events_scraped_total", {"site": row["site"]}) == row["n"] > 0
    assert sample("oddsstore_cycles_total", {"status": "failed"}) == 1
