"""Cancelling a cycle twice: the second cancellation arrives while the run row's end is being written."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import pytest
from test_cycle_pipeline import BP, FakeSite, coordinator

from oddsstore.models import RunStatus
from oddsstore.progress import BatchStart, ProgressEvent
from oddsstore.repositories import ScrapeRunsRepository


async def _finish_waiting_on_a_lock(admin: asyncpg.Connection[Any]) -> None:
    async with asyncio.timeout(10):
        for _ in range(10_000):
            waiting = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database() AND query LIKE '%finished_at = now()%'"
            )
            if waiting:
                return
            await asyncio.sleep(0.01)


async def test_a_second_cancellation_during_finalization_still_closes_the_run_and_is_raised(
    pool: asyncpg.Pool[Any], db_dsn: str
) -> None:
    coord = coordinator([FakeSite(BP, [str(i) for i in range(40)], delay_s=0.05)], batch_size=5)
    seen: list[ProgressEvent] = []
    started, locked = asyncio.Event(), asyncio.Event()

    async def consume() -> None:
        async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
            async for event in progress:
                seen.append(event)
                if isinstance(event, BatchStart):
                    started.set()
                    await locked.wait()
                    break  # closing the generator cancels the cycle, which then writes the run's end

    consumer = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 10)
    run_id = seen[0].to_dict()["run_id"]
    admin = await asyncpg.connect(db_dsn)
    try:
        tx = admin.transaction()
        await tx.start()
        await admin.execute("SELECT 1 FROM scrape_runs WHERE id = $1 FOR UPDATE", run_id)
        locked.set()
        await _finish_waiting_on_a_lock(admin)  # the run's end is being written (and held by the lock)
        for _ in range(2):  # the consumer is cancelled (twice) while it waits for the cycle to end
            consumer.cancel()
            await asyncio.sleep(0.1)
        await tx.rollback()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(consumer, 20)
        run = await ScrapeRunsRepository(admin).get(run_id=run_id)
        lock_free = await admin.fetchval("SELECT pg_try_advisory_lock(0x6F646473)")
    finally:
        await admin.close()
    assert run is not None and run.status is RunStatus.FAILED and run.finished_at is not None
    assert run.error is not None and "the progress consumer stopped" in run.error
    assert lock_free
