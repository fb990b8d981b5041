"""``run_full_cycle``: one whole scrape cycle as an async generator of progress events.

The cycle holds a session-level advisory lock on a connection of its own for its whole life (a second
cycle on the same database gets ``CYCLE_SKIPPED`` and stops), creates the ``scrape_runs`` row unless one
is given, beats the row's heart every few seconds and after every batch, and always finalizes the row:
``completed``, ``partial`` (some events failed on every site, or a site's discovery failed, in whole or
in part), or ``failed`` (nothing stored, an error, a cancellation, the consumer closing the generator
early, or batches the storer could not store or spilled mid-cycle: those are in a spill file, see
``oddsstore.storage.retrying``). The final write
is shielded from cancellation, retried on a fresh pool connection if the lock connection broke (the
database restarted), and the lock is released.

The work runs in a task of its own, so a slow consumer never slows the scraping; the generator only
forwards progress events. Close it with ``contextlib.aclosing`` (or run it to the end) to stop a cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

import asyncpg
from loguru import logger

from oddsstore.cycle.coordinator import EventCoordinator
from oddsstore.cycle.pipeline import CycleTotals, run_pipeline
from oddsstore.cycle.planning import count_by_coverage, count_by_urgency
from oddsstore.models import RunStatus, StoreResult
from oddsstore.progress import (
    TERMINAL_TYPES,
    CycleComplete,
    CycleFailed,
    CycleSkipped,
    CycleStart,
    DiscoveryComplete,
    ProgressEvent,
    QueueBuilt,
)
from oddsstore.repositories.scrape_runs import RunCounters, ScrapeRunsRepository
from oddsstore.storage.ledger import (
    DB_ERRORS,
    as_conn,
    close_abandoned_runs,
    finish_on_fresh_connection,
    recount,
    run_to_end,
)
from oddsstore.storage.retrying import RetryingStorer, describe
from oddsstore.storage.storer import BatchStorer, DeferringStorer

LOCK_HELD = "another scrape cycle is running on this database"


def default_storer(coordinator: EventCoordinator, pool: asyncpg.Pool[Any]) -> RetryingStorer:
    """The storer a cycle uses when the coordinator has none: retries, backlog, spill to settings' dir."""
    return RetryingStorer(pool, coordinator.store_batch_results, spill_dir=coordinator.settings.spill_dir)


class _Cycle:
    """The state of one cycle: its lock connection, run id, counters and how it ended."""

    def __init__(self, coordinator: EventCoordinator, pool: asyncpg.Pool[Any], run_id: int | None) -> None:
        self.coordinator = coordinator
        self.pool = pool
        self.run_id = run_id
        self.out: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        self.totals = CycleTotals()
        self.discovery_ms = 0
        self.discovery_errors = False
        self.started = time.perf_counter()
        self.stop_reason = "cancelled"
        self._db_lock = asyncio.Lock()
        self.storer: BatchStorer = coordinator.storer or default_storer(coordinator, pool)
        self._conn: Any = None  # the lock connection (a pool proxy)
        self.status: RunStatus = RunStatus.FAILED  # how the run ended (set when it is finalized)
        self.error: str | None = None
        self.run_finalized = False
        self.counted: RunCounters | None = None  # the run row's counters recomputed from its rows
        self.unsaved = 0  # batches the storer could not store (spilled or lost)
        # a storer may serve several cycles: only what it spilled or lost during this one counts
        self._spilled_before = _spilled_or_lost(self.storer)

    def emit(self, event: ProgressEvent) -> None:
        self.out.put_nowait(event)

    def elapsed_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    # --- the run row --------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _runs(self) -> AsyncIterator[ScrapeRunsRepository]:
        """The run repository on the lock connection, one user at a time (heartbeat vs. the rest)."""
        assert self._conn is not None
        async with self._db_lock:
            yield ScrapeRunsRepository(as_conn(self._conn))

    async def _beat(self) -> None:
        assert self.run_id is not None
        try:
            async with self._runs() as runs:
                await runs.heartbeat(run_id=self.run_id)
        except DB_ERRORS as exc:
            logger.warning("heartbeat of run {} failed: {}", self.run_id, exc)

    async def heartbeat_forever(self) -> None:
        interval = self.coordinator.settings.heartbeat_interval_s
        while True:
            await asyncio.sleep(interval)
            await self._beat()

    async def after_batch(self, scraped: int, failed: int, result: StoreResult) -> None:
        """Add a stored batch's counters to the run row (which also beats its heart)."""
        assert self.run_id is not None
        try:
            async with self._runs() as runs:
                await runs.add_batch_counters(
                    run_id=self.run_id,
                    events_scraped=scraped,
                    events_failed=failed,
                    snapshots_created=result.snapshots_created,
                    markets_stored=result.markets_stored,
                    history_rows=result.history_rows,
                )
        except DB_ERRORS as exc:
            logger.warning("counters of run {} not updated: {}", self.run_id, exc)

    def final_status(self) -> RunStatus:
        t = self.totals
        if t.events_scraped == 0:
            return RunStatus.FAILED
        if t.events_failed > 0 or self.discovery_errors:
            return RunStatus.PARTIAL
        return RunStatus.COMPLETED

    async def finish(self, status: RunStatus, error: str | None) -> bool:
        """Write the run's end; on a broken lock connection, use a fresh one from the pool (a few tries,
        for a database that is restarting). ``False`` if the row could not be written."""
        if self.run_id is None:
            with contextlib.suppress(*DB_ERRORS):
                async with self._runs() as runs:
                    await runs.release_cycle_lock()
            return True
        t = self.totals
        counters = {
            "events_total": t.events_total,
            "events_scraped": t.events_scraped,
            "events_failed": t.events_failed,
            "snapshots_created": t.snapshots,
            "markets_stored": t.markets,
        }
        try:
            async with self._runs() as runs:
                await runs.finish(run_id=self.run_id, status=status, error=error, **counters)
                await runs.release_cycle_lock()
                self.counted = await recount(self._conn, run_id=self.run_id, reason=error or status.value)
            return True
        except DB_ERRORS as exc:
            logger.warning("finishing run {} on its own connection failed ({}); retrying", self.run_id, exc)
        finished, self.counted = await finish_on_fresh_connection(
            self.pool, run_id=self.run_id, status=status, error=error, counters=counters
        )
        return finished

    async def _drain_then_finish(self, status: RunStatus | None, error: str | None) -> None:
        """Let a storer that holds batches back store or spill them, then close the run.

        ``status`` ``None``: the work ended normally and the status comes from the counters once the
        storer is drained (batches it stored late count). Batches the storer could not store make the
        run ``failed``; they are spilled after the run row is written, so the spill lines can say
        whether it was.
        """
        storer = self.storer if isinstance(self.storer, DeferringStorer) else None
        if storer is not None:
            try:
                await storer.drain(error)
            except Exception as exc:
                logger.opt(exception=exc).error("draining the storer of run {} failed", self.run_id)
                if error is None:
                    status, error = RunStatus.FAILED, f"storage drain failed: {_describe(exc)}"
        if status is None:
            status = self.final_status()
            if status is RunStatus.FAILED:
                error = (
                    "no events discovered"
                    if self.totals.events_total == 0
                    else "no event scraped on any site"
                )
        unsaved = storer.unsaved if storer is not None else 0
        not_stored = unsaved + _spilled_or_lost(self.storer) - self._spilled_before
        if storer is not None and not_stored and self.run_id is not None:
            status = RunStatus.FAILED
            where = storer.spill_path(self.run_id)
            note = f"{not_stored} batch(es) not stored (database unavailable: {storer.last_error})"
            note += (
                f"; spilled to {where}: store them with `oddsstore replay`"
                if where
                else "; LOST: no spill file"
            )
            error = note if error is None else f"{error}; {note}"
            self.unsaved = not_stored
        self.status, self.error = status, error
        self.run_finalized = await self.finish(status, error)
        if storer is not None and unsaved:
            reason = error or ""
            if not self.run_finalized:
                reason += "; the run row could not be finalized either: replay finalizes it"
            await storer.spill_remaining(reason)

    # --- the work -----------------------------------------------------------------------------------

    async def drive(self) -> None:
        """The whole cycle; always puts a terminal event (unless cancelled) and then ``None`` on ``out``."""
        try:
            async with self.pool.acquire() as conn:
                self._conn = conn
                runs = ScrapeRunsRepository(as_conn(conn))
                if not await runs.try_cycle_lock():
                    if self.run_id is not None:
                        await runs.finish(
                            run_id=self.run_id, status=RunStatus.FAILED, error=f"skipped: {LOCK_HELD}"
                        )
                    logger.warning("cycle not started: {}", LOCK_HELD)
                    self.emit(CycleSkipped(run_id=self.run_id, reason=LOCK_HELD))
                    return
                await self._locked()
        finally:
            self._conn = None
            self.out.put_nowait(None)

    async def _close_abandoned_runs(self) -> None:
        assert self.run_id is not None
        async with self._runs() as runs:
            await close_abandoned_runs(runs, self.run_id, self.coordinator.settings.heartbeat_interval_s)

    async def _locked(self) -> None:
        heart: asyncio.Task[None] | None = None
        error: str | None = None
        status: RunStatus | None = RunStatus.FAILED
        try:
            if self.run_id is None:
                async with self._runs() as runs:
                    self.run_id = (await runs.create(trigger=self.coordinator.settings.trigger)).id
            await self._close_abandoned_runs()
            heart = asyncio.create_task(self.heartbeat_forever())
            await self._work()
            status = None  # from the counters, once the storer is drained
        except asyncio.CancelledError:
            error = self.stop_reason
            raise
        except Exception as exc:
            error = _describe(exc)
            logger.opt(exception=exc).error("cycle {} failed", self.run_id)
        finally:
            if heart is not None:
                heart.cancel()
                await asyncio.wait({heart})  # its query, if any, ends before the lock connection is reused
            await run_to_end(self._drain_then_finish(status, error))
        crashed = status is not None or self.unsaved > 0  # an exception, or batches left unstored
        error = self.error
        status = self.status
        run_id = self.run_id if self.run_id is not None else 0
        t = self.totals
        if self.counted is not None:  # what the rows say: a retry after a lost commit reply counts zeros
            t.snapshots, t.markets = self.counted.snapshots_created, self.counted.markets_stored
            t.history_rows = self.counted.history_rows
        if crashed:
            self.emit(
                CycleFailed(
                    run_id=run_id,
                    error=error or "",
                    events_total=t.events_total,
                    events_scraped=t.events_scraped,
                    events_failed=t.events_failed,
                    snapshots=t.snapshots,
                    markets=t.markets,
                    total_ms=self.elapsed_ms(),
                )
            )
            return
        self.emit(
            CycleComplete(
                run_id=run_id,
                status=status.value,
                events_total=t.events_total,
                events_scraped=t.events_scraped,
                events_failed=t.events_failed,
                snapshots=t.snapshots,
                markets=t.markets,
                total_ms=self.elapsed_ms(),
                discovery_ms=self.discovery_ms,
                success_rate=round(t.events_scraped / t.events_total, 4) if t.events_total else 0.0,
                history_rows=t.history_rows,
            )
        )

    async def _work(self) -> None:
        assert self.run_id is not None
        coordinator = self.coordinator
        self.emit(
            CycleStart(
                run_id=self.run_id,
                trigger=coordinator.settings.trigger,
                platforms=tuple(p.value for p in coordinator.platforms),
            )
        )
        found = await coordinator.discover_events()
        self.discovery_ms = found.elapsed_ms
        self.discovery_errors = any(
            info.error or _partly_failed(info.counts) for info in found.sites.values()
        )
        self.totals.events_total = len(found.targets)
        try:
            async with self._runs() as runs:
                await runs.set_discovery(
                    run_id=self.run_id,
                    discovery={p.value: info.events for p, info in found.sites.items()},
                    events_total=len(found.targets),
                )
        except DB_ERRORS as exc:  # the run's end writes events_total again
            logger.warning("discovery of run {} not recorded: {}", self.run_id, exc)
        self.emit(
            DiscoveryComplete(
                run_id=self.run_id,
                sites={
                    p.value: {
                        "events": i.events,
                        "elapsed_ms": i.elapsed_ms,
                        "error": i.error,
                        "counts": i.counts,
                    }
                    for p, i in found.sites.items()
                },
                merged_total=len(found.targets),
                kickoff_disagreements=found.merge.kickoff_disagreements,
                duplicates_dropped=found.merge.duplicates_dropped,
                elapsed_ms=found.elapsed_ms,
            )
        )
        queue = coordinator.build_priority_queue()
        batches = coordinator.remaining_batches()
        now = coordinator.clock()
        self.emit(
            QueueBuilt(
                run_id=self.run_id,
                events=len(queue),
                batches=len(batches),
                batch_size=coordinator.settings.batch_size,
                by_urgency=count_by_urgency(queue, now),
                by_coverage=count_by_coverage(queue),
            )
        )
        storer: BatchStorer = self.storer
        await run_pipeline(
            coordinator,
            batches,
            run_id=self.run_id,
            storer=storer,
            emit=self.emit,
            totals=self.totals,
            after_batch=self.after_batch,
        )


def _partly_failed(counts: Mapping[str, int]) -> bool:
    """A site's discovery that lost some of its pages (``<kind>_failed`` or ``errors`` counts)."""
    return any(n > 0 and (key == "errors" or key.endswith("_failed")) for key, n in counts.items())


def _spilled_or_lost(storer: BatchStorer) -> int:
    """Batches a deferring storer has written to a spill file or lost, mid-cycle or at its end."""
    return storer.spilled + storer.lost if isinstance(storer, DeferringStorer) else 0


def _describe(exc: BaseException) -> str:
    return describe(exc, limit=2000)


async def run_full_cycle(
    coordinator: EventCoordinator, pool: asyncpg.Pool[Any], scrape_run_id: int | None = None
) -> AsyncGenerator[ProgressEvent, None]:
    """Run one cycle; yields its progress events, the last being terminal (see oddsstore.progress)."""
    cycle = _Cycle(coordinator, pool, scrape_run_id)
    driver = asyncio.create_task(cycle.drive())
    finished = False
    try:
        while (event := await cycle.out.get()) is not None:
            yield event
            if event.type in TERMINAL_TYPES:
                finished = True
        await driver
    finally:
        if not driver.done():
            cycle.stop_reason = (
                "cancelled: the progress consumer stopped before the cycle ended"
                if not finished
                else "cancelled"
            )
            driver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await driver
        task = asyncio.current_task()
        if task is not None and task.cancelling():  # the consumer's own cancellation, not the driver's
            raise asyncio.CancelledError
