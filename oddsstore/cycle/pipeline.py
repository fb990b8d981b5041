"""The scrape/store pipeline of one cycle: batches scraped with a look-ahead window, stored in order.

Three cooperating tasks:

- the *launcher* starts batch k's events (every site of an event at once) as soon as fewer than
  ``scrape_window`` batches are being scraped, so the sites' queues never run dry at a batch edge: while
  batch k's stragglers finish, batch k+1's requests already wait in the clients' per-site queues;
- the *collector* waits for batch k's events (in order), then hands the finished batch to the store queue
  (capacity one: at most one batch waits for storage) and frees the window slot;
- the *store worker* stores batches one by one, in order, through the cycle's ``BatchStorer``, and emits
  ``BATCH_COMPLETE``. A storer may defer a batch (``RetryingStorer`` returns ``DEFERRED`` while the
  database is unavailable): the batch is counted, and its ``BATCH_COMPLETE`` emitted, when the storer
  reports it stored through the callback given to its ``on_late_store`` (also after this function
  returned, while the cycle drains the storer).

When the pipeline ends early (a stop, an error), the batches scraped in full are handed to a deferring
storer's ``hold``: stored within a stop's grace or spilled, never dropped.

So storing batch k overlaps scraping batches k+1 and k+2, and memory stays bounded whatever the sites
or the database do: at most ``scrape_window + 2`` batches are alive (one being stored, one queued for
storage, and the window's batches being scraped or scraped and waiting for the queue's one slot).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, Protocol

import attrs

from oddsstore.cycle.planning import requests_by_platform
from oddsstore.cycle.scraping import Emit
from oddsstore.models import EventTarget, ScrapeBatch, ScrapedEvent, StoreResult
from oddsstore.progress import BatchComplete, BatchStart
from oddsstore.storage.storer import DEFERRED, BatchStorer, DeferringStorer


@attrs.define(slots=True)
class CycleTotals:
    """Counters of a cycle so far (what the run row and ``CYCLE_COMPLETE`` report)."""

    events_total: int = 0
    events_scraped: int = 0  # at least one site scraped (status row "completed")
    events_failed: int = 0  # every site failed (status row "failed")
    events_stored: int = 0  # status rows written, as storage reports them
    snapshots_created: int = 0
    markets_stored: int = 0
    history_rows: int = 0  # StoreResult.history_rows: rows written to odds_history
    store_errors: int = 0  # StoreResult.errors lines (refused markets, failed sites)
    batches_stored: int = 0
    scrape_ms: int = 0
    store_ms: int = 0


@attrs.define(slots=True)
class _InFlight:
    index: int
    tasks: list[asyncio.Task[ScrapedEvent]]
    started: float


def _is_scraped(event: ScrapedEvent) -> bool:
    return any(r.odds is not None for r in event.results)


class ScrapeEvent(Protocol):
    """Scrape every site of one event, emitting its progress (``Scraper.scrape_event``)."""

    def __call__(
        self, target: EventTarget, *, emit: Emit, run_id: int = 0, batch_index: int = 0
    ) -> Coroutine[Any, Any, ScrapedEvent]: ...


@contextlib.contextmanager
def _held_at_failure(storer: BatchStorer, run_id: int) -> Iterator[dict[int, ScrapeBatch]]:
    """The batches scraped in full and not handed to the storer yet (the caller fills it); at any
    exception they go to a deferring storer's :meth:`hold`, in order."""
    ready: dict[int, ScrapeBatch] = {}
    try:
        yield ready
    except BaseException:
        if isinstance(storer, DeferringStorer):
            for index in sorted(ready):
                storer.hold(ready[index], run_id)
        raise


async def run_pipeline(
    scrape_event: ScrapeEvent,
    batches: Sequence[tuple[EventTarget, ...]],
    *,
    scrape_window: int,
    run_id: int,
    storer: BatchStorer,
    emit: Emit,
    totals: CycleTotals,
    after_batch: Callable[[int, int, StoreResult], Awaitable[None]] | None = None,
) -> None:
    """Scrape and store ``batches`` in order, updating ``totals`` as each batch is stored.

    ``after_batch(events_scraped, events_failed, result)`` runs after each batch is stored. Any
    exception (a storer failure, a cancellation) cancels every task of the pipeline and propagates;
    the batches scraped in full by then go to a deferring storer's :meth:`hold`, to be stored in a
    stop's grace or spilled, never dropped (one whose store was overtaken the storer holds itself).
    """
    with _held_at_failure(storer, run_id) as ready:
        window = asyncio.Semaphore(scrape_window)
        started: asyncio.Queue[_InFlight | None] = asyncio.Queue()
        to_store: asyncio.Queue[tuple[ScrapeBatch, int] | None] = asyncio.Queue(maxsize=1)

        async with asyncio.TaskGroup() as group:

            async def launcher() -> None:
                for index, targets in enumerate(batches):
                    await window.acquire()
                    emit(
                        BatchStart(
                            run_id=run_id,
                            batch_index=index,
                            events=len(targets),
                            requests=requests_by_platform(targets),
                        )
                    )
                    tasks = [
                        group.create_task(scrape_event(t, emit=emit, run_id=run_id, batch_index=index))
                        for t in targets
                    ]
                    started.put_nowait(_InFlight(index, tasks, time.perf_counter()))
                started.put_nowait(None)

            async def collector() -> None:
                while (flight := await started.get()) is not None:
                    events = [await task for task in flight.tasks]
                    scrape_ms = int((time.perf_counter() - flight.started) * 1000)
                    batch = ScrapeBatch(events=tuple(events), batch_index=flight.index)
                    ready[flight.index] = batch
                    await to_store.put((batch, scrape_ms))
                    window.release()
                await to_store.put(None)

            async def account(batch: ScrapeBatch, result: StoreResult, scrape_ms: int, store_ms: int) -> None:
                scraped = sum(1 for e in batch.events if _is_scraped(e))
                failed = len(batch.events) - scraped
                totals.events_scraped += scraped
                totals.events_failed += failed
                totals.events_stored += result.events_stored
                totals.snapshots_created += result.snapshots_created
                totals.markets_stored += result.markets_stored
                totals.history_rows += result.history_rows
                totals.store_errors += len(result.errors)
                totals.batches_stored += 1
                totals.scrape_ms += scrape_ms
                totals.store_ms += store_ms
                emit(
                    BatchComplete(
                        run_id=run_id,
                        batch_index=batch.batch_index,
                        events=len(batch.events),
                        events_stored=result.events_stored,
                        events_failed=failed,
                        snapshots_created=result.snapshots_created,
                        markets_stored=result.markets_stored,
                        history_rows=result.history_rows,
                        current_rows=result.current_rows,
                        errors=len(result.errors),
                        scrape_ms=scrape_ms,
                        store_ms=store_ms,
                    )
                )
                if after_batch is not None:
                    await after_batch(scraped, failed, result)

            deferred_scrape_ms: dict[int, int] = {}

            async def stored_late(batch: ScrapeBatch, result: StoreResult) -> None:
                await account(batch, result, deferred_scrape_ms.pop(batch.batch_index, 0), 0)

            if isinstance(storer, DeferringStorer):
                storer.on_late_store(stored_late)

            async def store_worker() -> None:
                while (item := await to_store.get()) is not None:
                    batch, scrape_ms = item
                    start = time.perf_counter()
                    del ready[batch.batch_index]  # the storer's from here on
                    result = await storer.store(batch, run_id)
                    if result is DEFERRED:  # waits in the storer's backlog; counted when stored
                        deferred_scrape_ms[batch.batch_index] = scrape_ms
                        continue
                    await account(batch, result, scrape_ms, int((time.perf_counter() - start) * 1000))

            group.create_task(launcher())
            group.create_task(collector())
            group.create_task(store_worker())
