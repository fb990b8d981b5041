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
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from loguru import logger

from oddsstore.cycle.pipeline import CycleTotals, run_pipeline
from oddsstore.cycle.planning import count_by_coverage, count_by_urgency
from oddsstore.cycle.scraping import DiscoveryOutcome, Emit
from oddsstore.db import Connection
from oddsstore.errors import describe
from oddsstore.models import EventTarget, Platform, RunStatus, ScrapeBatch, ScrapedEvent, StoreResult
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
from oddsstore.storage.retrying import RetryingStorer
from oddsstore.storage.storer import BatchStorer, DeferringStorer


class CycleSettings(Protocol):
    @property
    def batch_size(self) -> int: ...
    @property
    def scrape_window(self) -> int: ...
    @property
    def heartbeat_interval_s(self) -> float: ...
    @property
    def trigger(self) -> str: ...
    @property
    def spill_dir(self) -> Path | None: ...


class CycleHost(Protocol):
    """What a cycle needs of its coordinator (``EventCoordinator`` is one)."""

    @property
    def settings(self) -> CycleSettings: ...

    storer: BatchStorer | None
    clock: Callable[[], datetime]

    async def scrape_event(
        self, target: EventTarget, *, emit: Emit, run_id: int = 0, batch_index: int = 0
    ) -> ScrapedEvent: ...

    @property
    def platforms(self) -> tuple[Platform, ...]: ...

    async def discover_events(self) -> DiscoveryOutcome: ...

    def build_priority_queue(self, targets: Sequence[EventTarget] | None = None) -> list[EventTarget]: ...

    def remaining_batches(self) -> list[tuple[EventTarget, ...]]: ...

    async def store_batch_results(
        self, conn: Connection, batch: ScrapeBatch, scrape_run_id: int
    ) -> StoreResult: ...


def default_storer(host: CycleHost, pool: asyncpg.Pool[Any]) -> RetryingStorer:
    """The storer a cycle uses when the coordinator has none: retries, backlog, spill to settings' dir."""
    return RetryingStorer(pool, host.store_batch_results, spill_dir=host.settings.spill_dir)


class _Cycle:
    """One cycle's state: what it counted, how it ended, and its progress events."""

    def __init__(self, host: CycleHost, pool: asyncpg.Pool[Any], run_id: int | None) -> None:
        self.host = host
        self.settings = host.settings
        self.ledger = RunLedger(pool, heartbeat_interval_s=self.settings.heartbeat_interval_s)
        self.run_id = run_id
        self.out: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        self.totals = CycleTotals()
        self.discovery_ms = 0
        self.discovery_errors = False
        self.started = time.perf_counter()
        self.stop_reason = "cancelled"
        self.storer: BatchStorer = host.storer or default_storer(host, pool)
        self.status = RunStatus.FAILED  # how the run ended (set when it is finalized)
        self.error: str | None = None
        self.unsaved = 0  # batches the storer could not store during this cycle (spilled or lost)
        # a storer may serve several cycles: only what it spilled or lost during this one counts
        self._unsaved_before = _spilled_or_lost(self.storer)

    def emit(self, event: ProgressEvent) -> None:
        self.out.put_nowait(event)

    def elapsed_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    # --- the work -----------------------------------------------------------------------------------

    async def drive(self) -> None:
        """The whole cycle; always puts a terminal event (unless cancelled) and then ``None`` on ``out``."""
        try:
            async with self.ledger:
                if not self.ledger.locked:
                    await self.ledger.skip(self.run_id)
                    self.emit(CycleSkipped(run_id=self.run_id, reason=LOCK_HELD))
                    return
                await self._locked()
        finally:
            self.out.put_nowait(None)

    async def _locked(self) -> None:
        error: str | None = None
        status: RunStatus | None = RunStatus.FAILED
        try:
            self.run_id = await self.ledger.open(run_id=self.run_id, trigger=self.settings.trigger)
            await self._work()
            status = None  # from the counters, once the storer is drained
        except asyncio.CancelledError:
            error = self.stop_reason
            raise
        except Exception as exc:
            error = describe(exc, limit=2000)
            logger.opt(exception=exc).error("cycle {} failed", self.run_id)
        finally:
            await run_to_end(self._drain_then_finish(status, error))
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
                await storer.drain(error)
            except Exception as exc:
                logger.opt(exception=exc).error("draining the storer of run {} failed", self.run_id)
                if error is None:
                    status, error = RunStatus.FAILED, f"storage drain failed: {describe(exc, limit=2000)}"
        if status is None:
            status, error = self._status_from_counters()
        held_back = storer.unsaved if storer is not None else 0
        not_stored = held_back + _spilled_or_lost(self.storer) - self._unsaved_before
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
        t = self.totals
        finalized = await self.ledger.finish(
            status,
            error,
            events_total=t.events_total,
            events_scraped=t.events_scraped,
            events_failed=t.events_failed,
            snapshots_created=t.snapshots_created,
            markets_stored=t.markets_stored,
            history_rows=t.history_rows,
        )
        if storer is not None and held_back:
            reason = error or ""
            if not finalized:
                reason += "; the run row could not be finalized either: replay finalizes it"
            await storer.spill_remaining(reason)

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


def _partly_failed(counts: Mapping[str, int]) -> bool:
    """A site's discovery that lost some of its pages (``<kind>_failed`` or ``errors`` counts)."""
    return any(n > 0 and (key == "errors" or key.endswith("_failed")) for key, n in counts.items())


def _spilled_or_lost(storer: BatchStorer) -> int:
    """Batches a deferring storer has written to a spill file or lost, mid-cycle or at its end."""
    return storer.spilled + storer.lost if isinstance(storer, DeferringStorer) else 0


async def run_full_cycle(
    host: CycleHost, pool: asyncpg.Pool[Any], scrape_run_id: int | None = None
) -> AsyncGenerator[ProgressEvent, None]:
    """Run one cycle; yields its progress events, the last being terminal (see oddsstore.progress)."""
    cycle = _Cycle(host, pool, scrape_run_id)
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
