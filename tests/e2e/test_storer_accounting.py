"""How a cycle accounts for what its storer did: batches spilled mid-cycle, a dead backlog flusher, replies
lost after a commit. Real PostgreSQL; the faults are raised by the store function the storer calls."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cycle_checks import run_rows
from fault_kit import run_cycle, simulator
from loguru import logger

from oddsstore.devtools.batches import make_batch
from oddsstore.models import RunStatus, ScrapeBatch, StoreResult
from oddsstore.progress import CycleComplete, CycleFailed
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.retrying import RetryingStorer, StorerPolicy
from oddsstore.storage.spill import SpilledBatch, read_batches
from oddsstore.storage.storer import DEFERRED

ONE_SLOT = StorerPolicy(
    attempts=1, max_pending=1, backoff_base_s=0.02, backoff_max_s=0.05, flush_timeout_s=20
)


async def test_a_batch_spilled_mid_cycle_fails_the_run_even_when_the_database_comes_back(
    pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    storer: RetryingStorer | None = None

    async def store(conn: Any, batch: ScrapeBatch, run_id: int) -> StoreResult:
        assert storer is not None
        if storer.spilled == 0:  # "down" until the full backlog has spilled a batch
            raise ConnectionRefusedError("the database is down")
        return await store_batch(conn, batch, run_id)

    storer = RetryingStorer(pool, store, spill_dir=tmp_path, policy=ONE_SLOT)
    async with simulator(40) as sim:
        _, events = await asyncio.wait_for(run_cycle(sim, pool, storer=storer), 60)
    done = events[-1]
    assert storer.spilled >= 1 and storer.stored_late >= 1 and storer.unsaved == 0
    assert isinstance(done, CycleFailed), done
    spill = tmp_path / f"run-{done.run_id}.jsonl"
    assert f"{storer.spilled} batch(es) not stored" in done.error and f"spilled to {spill}" in done.error
    lines = [x for x in read_batches(spill) if isinstance(x, SpilledBatch)]
    assert len(lines) == storer.spilled
    async with pool.acquire() as conn:
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert run is not None and run.status is RunStatus.FAILED and run.error == done.error


async def test_a_batch_lost_mid_cycle_without_a_spill_dir_fails_the_run(pool: asyncpg.Pool[Any]) -> None:
    storer: RetryingStorer | None = None

    async def store(conn: Any, batch: ScrapeBatch, run_id: int) -> StoreResult:
        assert storer is not None
        if storer.lost == 0:
            raise ConnectionRefusedError("the database is down")
        return await store_batch(conn, batch, run_id)

    storer = RetryingStorer(pool, store, policy=ONE_SLOT)
    async with simulator(40) as sim:
        _, events = await asyncio.wait_for(run_cycle(sim, pool, storer=storer), 60)
    done = events[-1]
    assert storer.lost >= 1 and storer.unsaved == 0
    assert isinstance(done, CycleFailed), done
    assert "LOST: no spill file" in done.error


async def test_a_non_retryable_error_in_the_backlog_is_raised_by_the_next_store_and_drain(
    pool: asyncpg.Pool[Any], run_id: int
) -> None:
    calls: list[int] = []

    async def store(conn: Any, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult:
        calls.append(batch.batch_index)
        if len(calls) == 1:
            raise ConnectionRefusedError("the database is down")
        if len(calls) == 2:
            raise ValueError("a bug in the store function")
        return await store_batch(conn, batch, scrape_run_id)

    storer = RetryingStorer(pool, store, policy=ONE_SLOT)
    first = make_batch(3, events=2, markets_per_snapshot=2, batch_index=0)
    assert await storer.store(first, run_id) is DEFERRED
    for _ in range(1000):  # the flusher retries batch 0 and hits the bug
        if storer.failure is not None:
            break
        await asyncio.sleep(0.01)
    second = make_batch(3, events=2, markets_per_snapshot=2, first_index=100, batch_index=1)
    with pytest.raises(ValueError, match="a bug"):
        await storer.store(second, run_id)
    await asyncio.sleep(0.2)  # a restarted flusher would store batch 0 now
    assert calls == [0, 0] and storer.unsaved == 1 and storer.stored_late == 0
    with pytest.raises(ValueError, match="a bug"):
        await storer.drain(None)
    assert await storer.spill_remaining("the storer failed") == 1
    async with pool.acquire() as conn:
        assert (await run_rows(conn, run_id)).status_rows == 0


async def test_a_retry_after_a_lost_commit_reply_leaves_the_run_counters_equal_to_its_rows(
    pool: asyncpg.Pool[Any],
) -> None:
    lost_reply: list[int] = []

    async def store(conn: Any, batch: ScrapeBatch, run_id: int) -> StoreResult:
        result = await store_batch(conn, batch, run_id)  # committed ...
        if not lost_reply:
            lost_reply.append(batch.batch_index)
            raise ConnectionResetError("the reply was lost")  # ... but the caller never hears of it
        return result

    storer = RetryingStorer(pool, store, policy=StorerPolicy(retry_pause_s=0.01))  # retried at once
    async with simulator(30) as sim:
        _, events = await asyncio.wait_for(run_cycle(sim, pool, storer=storer), 60)
    done = events[-1]
    assert lost_reply == [0] and storer.retries == 1
    assert isinstance(done, CycleComplete), done
    async with pool.acquire() as conn:
        rows = await run_rows(conn, done.run_id)
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert rows.snapshots > 0 and rows.markets > 0
    assert run is not None
    assert (run.events_scraped, run.events_failed, run.snapshots_created, run.markets_stored) == (
        rows.completed,
        rows.failed,
        rows.snapshots,
        rows.markets,
    )
    assert (done.events_scraped, done.events_failed, done.snapshots_created, done.markets_stored) == (
        rows.completed,
        rows.failed,
        rows.snapshots,
        rows.markets,
    )


async def test_a_second_stop_before_the_drain_begins_leaves_no_grace(
    pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    calls = 0

    async def stuck(conn: Any, batch: ScrapeBatch, run_id: int) -> StoreResult:
        nonlocal calls
        calls += 1
        await asyncio.Event().wait()  # the database never answers within the grace
        raise AssertionError("unreachable")

    storer = RetryingStorer(pool, stuck, spill_dir=tmp_path, policy=StorerPolicy(flush_timeout_s=600))
    storer.hold(make_batch(4, events=2, markets_per_snapshot=2, batch_index=0), 9)
    storer.give_up()  # the second signal arrives while the cycle is still winding its pipeline down
    await asyncio.wait_for(storer.drain("stopped by signal (SIGTERM)", grace_s=600), 5)
    assert calls == 0 and storer.unsaved == 1  # not retried: the grace was given up
    lines: list[dict[str, Any]] = []
    logger.enable("oddsstore")
    sink = logger.add(lambda m: lines.append(dict(m.record["extra"])), level="WARNING")
    try:
        assert await storer.spill_remaining("stopped") == 1
    finally:
        logger.remove(sink)
        logger.disable("oddsstore")
    spilled = [x for x in read_batches(tmp_path / "run-9.jsonl") if isinstance(x, SpilledBatch)]
    assert [x.batch.batch_index for x in spilled] == [0] and storer.lost == 0
    assert lines == [{"run_id": 9, "batch_index": 0}]  # the spill's log line names its batch


class _SlowRelease:
    """A pool whose connections take their time going back (a stop lands in the release)."""

    def __init__(self) -> None:
        self.releasing = asyncio.Event()

    def acquire(self, **_options: object) -> contextlib.AbstractAsyncContextManager[object]:
        @contextlib.asynccontextmanager
        async def one() -> AsyncIterator[object]:
            yield _Closed()
            self.releasing.set()
            await asyncio.Event().wait()  # the release never finishes before the stop

        return one()


class _Closed:
    def is_closed(self) -> bool:
        return False

    def terminate(self) -> None:
        raise AssertionError("a committed store's connection is not terminated")


async def test_a_stop_after_the_commit_reports_the_batch_stored_with_its_counts(tmp_path: Path) -> None:
    committed = StoreResult(events_stored=2, snapshots_created=5, markets_stored=11)
    stores = 0

    async def store(_conn: Any, _batch: ScrapeBatch, _run_id: int) -> StoreResult:
        nonlocal stores
        stores += 1
        return committed  # a second store of the batch would write (and report) nothing

    pool = _SlowRelease()
    storer = RetryingStorer(pool, store, spill_dir=tmp_path)  # type: ignore[arg-type]
    late: list[tuple[int, StoreResult]] = []

    async def stored_late(batch: ScrapeBatch, result: StoreResult) -> None:
        late.append((batch.batch_index, result))

    storer.on_late_store(stored_late)
    batch = make_batch(5, events=2, markets_per_snapshot=2, batch_index=3)
    task = asyncio.create_task(storer.store(batch, 9))
    await asyncio.wait_for(pool.releasing.wait(), 5)  # committed; the reply is on its way back
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert storer.unsaved == 0  # not held back to be stored again
    await asyncio.wait_for(storer.drain("stopped", grace_s=5), 5)
    assert late == [(3, committed)] and stores == 1 and storer.stored_late == 1
    assert await storer.spill_remaining("stopped") == 0
