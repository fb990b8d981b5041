"""``run_full_cycle``: one whole scrape cycle as an async generator of progress events.

The cycle's database side is a :class:`~oddsstore.storage.ledger.RunLedger`: the advisory lock (a second
cycle on the same database gets ``CYCLE_SKIPPED`` and stops), the ``scrape_runs`` row, its heartbeat and
counters, and the run's end, always written: ``completed``, ``partial`` (some events failed on every
site, or a site's discovery failed, in whole or in part), or ``failed`` (nothing stored, an error, a
cancellation, the consumer closing the generator early, or batches the storer could not store or
spilled mid-cycle: those are in a spill file, see :mod:`oddsstore.storage.retrying`). The end is
written through any number of cancellations.

The work runs in a task of its own, so a slow consumer never slows the scraping; the generator only
forwards progress events. Close it with ``contextlib.aclosing`` (or run it to the end) to stop a cycle.
A graceful stop (a signal) is a cancellation of the consumer with a :class:`StopRequest`: no new work,
a bounded grace for the batches the storer holds back, the rest spilled, the run finalized with the
request's reason. Batches are spilled before the run row is written, so its error (and
``CYCLE_FAILED``) says what really happened to them: spilled (fsynced) to the file, or LOST. A cycle
whose ledger lost the lock to another cycle stops and ends ``failed`` with that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

import asyncpg
from loguru import logger

from oddsstore.cycle.host import CycleHost, StopRequest, default_storer
from oddsstore.cycle.pipeline import CycleTotals, run_pipeline
from oddsstore.cycle.planning import count_by_coverage, count_by_urgency
from oddsstore.errors import describe
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
from oddsstore.storage.ledger import LOCK_HELD, RunLedger, run_to_end
from oddsstore.storage.storer import BatchStorer, DeferringStorer


class _Cycle:
    """One cycle's state: what it counted, how it ended, and its progress events."""

    def __init__(self, host: CycleHost, pool: asyncpg.Pool[Any], run_id: int | None) -> None:
        self.host = host
        self.settings = host.settings
        self.ledger = RunLedger(
            pool, heartbeat_interval_s=self.settings.heartbeat_interval_s, on_lock_lost=self._lock_lost
        )
        self.run_id = run_id
        self.out: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        self.totals = CycleTotals()
        self.discovery_ms = 0
        self.discovery_errors = False
        self.started = time.perf_counter()
        self.stop_reason = "cancelled"
        self.stop_grace_s: float | None = None  # a graceful stop (a signal): storing may still take this
        self._work_task: asyncio.Task[None] | None = None
        self.storer: BatchStorer = host.storer or default_storer(host, pool)
        self.status = RunStatus.FAILED  # how the run ended (set when it is finalized)
        self.error: str | None = None
        self.unsaved = 0  # batches the storer could not store during this cycle (spilled or lost)
        # a storer may serve several cycles: only what it spilled or lost during this one counts
        self._unsaved_before = _spilled_or_lost(self.storer)
        self._lost_before = self.storer.lost if isinstance(self.storer, DeferringStorer) else 0

    def emit(self, event: ProgressEvent) -> None:
        self.out.put_nowait(event)

    def elapsed_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    # --- the work -----------------------------------------------------------------------------------

    async def drive(self) -> None:
        """The whole cycle; puts a terminal event once the run is finalized, then ``None``, on ``out``."""
        try:
            async with self.ledger:
                if not self.ledger.locked:
                    await self.ledger.skip(self.run_id)
                    self.emit(CycleSkipped(run_id=self.run_id, reason=LOCK_HELD))
                    return
                await self._locked()
        finally:
            self.out.put_nowait(None)

    def _lock_lost(self, reason: str) -> None:
        """The ledger lost the cycle lock to another cycle: stop the work (the run ends ``failed``)."""
        self.stop_reason = reason
        if self._work_task is not None and not self._work_task.done():
            self._work_task.cancel()

    async def _run_work(self) -> None:
        self._work_task = asyncio.create_task(self._work())
        try:
            await self._work_task
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self.ledger.lost_reason is not None and (task is None or not task.cancelling()):
                raise _Stopped(self.ledger.lost_reason) from None
            raise

    async def _locked(self) -> None:
        error: str | None = None
        status: RunStatus | None = RunStatus.FAILED
        try:
            self.run_id = await self.ledger.open(run_id=self.run_id, trigger=self.settings.trigger)
            origin = self.ledger.origin
            if origin is not None and isinstance(self.storer, DeferringStorer):
                self.storer.note_run_origin(self.run_id, origin)
            await self._run_work()
            status = None  # from the counters, once the storer is drained
        except _Stopped as stopped:
            error = str(stopped)
        except asyncio.CancelledError:
            error = self.stop_reason
            raise
        except Exception as exc:
            error = describe(exc, limit=2000)
            logger.opt(exception=exc).error("cycle {} failed", self.run_id)
        finally:
            await run_to_end(self._drain_then_finish(status, error))
            # also on a cancellation: a consumer's ``after_stop`` sees how the run ended
            self.emit(self._terminal_event(crashed=status is not None))

    async def _after_batch(self, scraped: int, failed: int, result: StoreResult) -> None:
        await self.ledger.add_batch(
            events_scraped=scraped,
            events_failed=failed,
            snapshots_created=result.snapshots_created,
            markets_stored=result.markets_stored,
            history_rows=result.history_rows,
        )

    async def _work(self) -> None:
        assert self.run_id is not None
        host = self.host
        if isinstance(self.storer, DeferringStorer):
            try:
                await self.storer.check_spill_dir()
            except OSError as exc:
                raise RuntimeError(f"the spill directory cannot be written: {exc}") from None
        self.emit(
            CycleStart(
                run_id=self.run_id,
                trigger=self.settings.trigger,
                platforms=tuple(p.value for p in host.platforms),
            )
        )
        found = await host.discover_events()
        self.discovery_ms = found.elapsed_ms
        self.discovery_errors = any(
            info.error or _partly_failed(info.counts) for info in found.sites.values()
        )
        self.totals.events_total = len(found.targets)
        await self.ledger.record_discovery(
            discovery={p.value: info.events for p, info in found.sites.items()},
            events_total=len(found.targets),
        )
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
        queue = host.build_priority_queue()
        batches = host.remaining_batches()
        self.emit(
            QueueBuilt(
                run_id=self.run_id,
                events=len(queue),
                batches=len(batches),
                batch_size=self.settings.batch_size,
                by_urgency=count_by_urgency(queue, host.clock()),
                by_coverage=count_by_coverage(queue),
            )
        )
        await run_pipeline(
            host.scrape_event,
            batches,
            scrape_window=self.settings.scrape_window,
            run_id=self.run_id,
            storer=self.storer,
            emit=self.emit,
            totals=self.totals,
            after_batch=self._after_batch,
        )

    # --- the end ------------------------------------------------------------------------------------

    def _status_from_counters(self) -> tuple[RunStatus, str | None]:
        t = self.totals
        if t.events_scraped == 0:
            return (
                RunStatus.FAILED,
                "no events discovered" if t.events_total == 0 else "no event scraped on any site",
            )
        if t.events_failed > 0 or self.discovery_errors:
            return RunStatus.PARTIAL, None
        return RunStatus.COMPLETED, None

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
                await storer.drain(error, grace_s=self.stop_grace_s)
            except Exception as exc:
                logger.opt(exception=exc).error("draining the storer of run {} failed", self.run_id)
                if error is None:
                    status, error = RunStatus.FAILED, f"storage drain failed: {describe(exc, limit=2000)}"
        if status is None:
            status, error = self._status_from_counters()
        held_back = storer.unsaved if storer is not None else 0
        if storer is not None and held_back:
            # spilled before the run row is written, so the row says only what happened to them
            why = f"not stored by the end of the cycle (database unavailable: {storer.last_error})"
            await storer.spill_remaining(why if error is None else f"{why}; the run: {error}")
        lost_now = storer.lost if storer is not None else 0
        not_stored = _spilled_or_lost(self.storer) - self._unsaved_before
        if storer is not None and not_stored and self.run_id is not None:
            status = RunStatus.FAILED
            lost = lost_now - self._lost_before
            spilled = not_stored - lost
            note = f"{not_stored} batch(es) not stored (database unavailable: {storer.last_error})"
            where = storer.spill_path(self.run_id)
            if spilled:
                note += f"; {spilled} spilled to {where}: store them with `oddsstore replay`"
            if lost:
                how = "no spill file" if where is None else f"the spill to {where} failed"
                note += f"; {lost} LOST: {how}"
            error = note if error is None else f"{error}; {note}"
            self.unsaved = not_stored
        self.status, self.error = status, error
        t = self.totals
        await self.ledger.finish(
            status,
            error,
            events_total=t.events_total,
            events_scraped=t.events_scraped,
            events_failed=t.events_failed,
            snapshots_created=t.snapshots_created,
            markets_stored=t.markets_stored,
            history_rows=t.history_rows,
        )
        if self.ledger.shortfall is not None:
            self.status, self.error = RunStatus(self.ledger.counted.status), self.ledger.error  # type: ignore[union-attr]

    def _terminal_event(self, *, crashed: bool) -> ProgressEvent:
        """``CYCLE_FAILED`` for an exception or batches left unstored, else ``CYCLE_COMPLETE``; the
        figures are the rows' recount when there is one (a retry after a lost commit reply counts
        zeros)."""
        t = self.totals
        counted = self.ledger.counted
        snapshots = counted.snapshots_created if counted is not None else t.snapshots_created
        markets = counted.markets_stored if counted is not None else t.markets_stored
        history_rows = counted.history_rows if counted is not None else t.history_rows
        run_id = self.run_id if self.run_id is not None else 0
        if crashed or self.unsaved:
            return CycleFailed(
                run_id=run_id,
                error=self.error or "",
                events_total=t.events_total,
                events_scraped=t.events_scraped,
                events_failed=t.events_failed,
                snapshots_created=snapshots,
                markets_stored=markets,
                total_ms=self.elapsed_ms(),
            )
        return CycleComplete(
            run_id=run_id,
            status=self.status.value,
            events_total=t.events_total,
            events_scraped=t.events_scraped,
            events_failed=t.events_failed,
            snapshots_created=snapshots,
            markets_stored=markets,
            total_ms=self.elapsed_ms(),
            discovery_ms=self.discovery_ms,
            success_rate=round(t.events_scraped / t.events_total, 4) if t.events_total else 0.0,
            history_rows=history_rows,
        )


class _Stopped(Exception):
    """The cycle stopped itself (its lock was lost to another cycle); the message is the reason."""


def _partly_failed(counts: Mapping[str, int]) -> bool:
    """A site's discovery that lost some of its pages (``<kind>_failed`` or ``errors`` counts)."""
    return any(n > 0 and (key == "errors" or key.endswith("_failed")) for key, n in counts.items())


def _spilled_or_lost(storer: BatchStorer) -> int:
    """Batches a deferring storer has written to a spill file or lost, mid-cycle or at its end."""
    return storer.spilled + storer.lost if isinstance(storer, DeferringStorer) else 0


def _hand_over(out: asyncio.Queue[ProgressEvent | None], to: Callable[[ProgressEvent], None]) -> None:
    """The events a cycle emitted that were never yielded, to ``to`` (its errors are logged, never
    raised: this runs while a cancellation propagates)."""
    while not out.empty():
        event = out.get_nowait()
        if event is None:
            continue
        try:
            to(event)
        except Exception as exc:
            logger.opt(exception=exc).error("after_stop failed on {}", event.type)


async def run_full_cycle(
    host: CycleHost,
    pool: asyncpg.Pool[Any],
    scrape_run_id: int | None = None,
    *,
    after_stop: Callable[[ProgressEvent], None] | None = None,
) -> AsyncGenerator[ProgressEvent, None]:
    """Run one cycle; yields its progress events, the last being terminal (see oddsstore.progress).

    A cycle stopped by its consumer (a cancellation, the generator closed) still emits events while it
    winds down (batches stored in a stop's grace, its terminal event): they cannot be yielded any more,
    and go to ``after_stop`` (metrics, a log) once the cycle has ended."""
    cycle = _Cycle(host, pool, scrape_run_id)
    driver = asyncio.create_task(cycle.drive())
    finished = False
    stop: StopRequest | None = None
    try:
        while (event := await cycle.out.get()) is not None:
            yield event
            if event.type in TERMINAL_TYPES:
                finished = True
        await driver
    except asyncio.CancelledError as exc:
        if exc.args and isinstance(exc.args[0], StopRequest):
            stop = exc.args[0]
            cycle.stop_grace_s = stop.grace_s
        raise
    finally:
        if not driver.done():
            cycle.stop_reason = (stop.reason if stop is not None else None) or (
                "cancelled: the progress consumer stopped before the cycle ended"
                if not finished
                else "cancelled"
            )
            driver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await driver
        if after_stop is not None:
            _hand_over(cycle.out, after_stop)
        task = asyncio.current_task()
        if task is not None and task.cancelling():  # the consumer's own cancellation, not the driver's
            raise asyncio.CancelledError(*([stop] if stop is not None else []))
