"""The scrape cycle: discover, prioritise, batch, scrape every site of an event together, store.

:class:`EventCoordinator` owns no SQL and no HTTP details: it calls the site clients, ``parse_event``,
a :class:`~oddsstore.store_worker.BatchStorer` (``store_batch`` by default) and the repositories.
``run_full_cycle`` (in :mod:`oddsstore.cycle.runner`) drives a whole cycle and yields progress events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import attrs
from loguru import logger

from oddsstore.clients.base import SiteClient
from oddsstore.clients.errors import SiteError
from oddsstore.cycle.planning import MergeResult, cut_batches, merge_discoveries, prioritise
from oddsstore.models import (
    ALL_PLATFORMS,
    EventOdds,
    EventTarget,
    Platform,
    ScrapeBatch,
    ScrapedEvent,
    SiteResult,
    StoreResult,
    utcnow,
)
from oddsstore.parsing import ParseError, parse_event
from oddsstore.progress import EventScraped, EventScraping, ProgressEvent, SiteDiscovery
from oddsstore.storage.batch import store_batch
from oddsstore.storage.storer import BatchStorer

Parser = Callable[[Platform, dict[str, Any]], EventOdds]
Emit = Callable[[ProgressEvent], None]


def _ms_since(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


@attrs.frozen(slots=True)
class DiscoveryOutcome:
    """The three discoveries merged: the targets, and per site its events, time and error."""

    merge: MergeResult
    sites: Mapping[Platform, SiteDiscovery]
    elapsed_ms: int

    @property
    def targets(self) -> tuple[EventTarget, ...]:
        return self.merge.targets


@attrs.frozen(slots=True, kw_only=True)
class CoordinatorSettings:
    """Knobs of a cycle. ``scrape_window`` batches are scraped at once (k+1 starts as k is finishing)."""

    batch_size: int = attrs.field(default=50, validator=attrs.validators.ge(1))
    scrape_window: int = attrs.field(default=2, validator=attrs.validators.ge(1))
    heartbeat_interval_s: float = attrs.field(default=5.0, validator=attrs.validators.gt(0))
    parse_in_thread: bool = False  # run parse_event in a worker thread (frees the loop, not the CPU)
    trigger: str = "manual"
    # Where the default storer writes batches it could not store by the end of the cycle
    # (``run-<id>.jsonl``, for ``oddsstore replay``); None: such batches are counted as lost.
    spill_dir: Path | None = None


class EventCoordinator:
    """One cycle's worth of work over a set of site clients (one per platform to scrape)."""

    def __init__(
        self,
        clients: Mapping[Platform, SiteClient],
        settings: CoordinatorSettings | None = None,
        *,
        parser: Parser = parse_event,
        storer: BatchStorer | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not clients:
            raise ValueError("EventCoordinator needs at least one site client")
        self.clients: Mapping[Platform, SiteClient] = dict(clients)
        self.settings = settings or CoordinatorSettings()
        self.storer = storer
        self._parse = parser
        self.clock = clock
        self.discovery: DiscoveryOutcome | None = None
        self._queue: list[EventTarget] = []
        self._parse_turn = asyncio.Lock()
        self._next = 0

    @property
    def platforms(self) -> tuple[Platform, ...]:
        return tuple(p for p in ALL_PLATFORMS if p in self.clients)

    # --- discovery and queue ------------------------------------------------------------------------

    async def _discover_site(self, platform: Platform) -> tuple[Platform, Any, SiteDiscovery]:
        start = time.perf_counter()
        try:
            found = await self.clients[platform].discover()
        except SiteError as exc:
            logger.warning("discovery failed on {}: {}", platform.value, exc)
            return (
                platform,
                (),
                SiteDiscovery(events=0, elapsed_ms=_ms_since(start), error=f"{exc.reason}: {exc}"),
            )
        except Exception as exc:  # a bug or an unexpected failure: recorded, the other sites go on
            logger.opt(exception=exc).error("discovery crashed on {}", platform.value)
            error = f"unexpected: {type(exc).__name__}: {exc}"
            return platform, (), SiteDiscovery(events=0, elapsed_ms=_ms_since(start), error=error)
        info = SiteDiscovery(events=len(found.events), elapsed_ms=found.elapsed_ms, counts=dict(found.counts))
        return platform, found.events, info

    async def discover_events(self) -> DiscoveryOutcome:
        """Run the sites' discoveries in parallel and merge them; a failing site never stops the others."""
        start = time.perf_counter()
        results = await asyncio.gather(*(self._discover_site(p) for p in self.platforms))
        merge = merge_discoveries({platform: events for platform, events, _ in results})
        self.discovery = DiscoveryOutcome(
            merge=merge, sites={platform: info for platform, _, info in results}, elapsed_ms=_ms_since(start)
        )
        logger.info(
            "discovered {} events ({})",
            len(merge.targets),
            ", ".join(f"{p.value}={i.events}" for p, _, i in results),
        )
        return self.discovery

    def build_priority_queue(self, targets: Sequence[EventTarget] | None = None) -> list[EventTarget]:
        """Order the targets (default: the last discovery's) by urgency, kickoff, coverage, BetPawa."""
        if targets is None:
            if self.discovery is None:
                raise RuntimeError("build_priority_queue needs discover_events() first or explicit targets")
            targets = self.discovery.targets
        self._queue = prioritise(targets, self.clock())
        self._next = 0
        return list(self._queue)

    def get_next_batch(self) -> tuple[EventTarget, ...]:
        """The next ``batch_size`` targets in priority order; empty when the queue is exhausted."""
        size = self.settings.batch_size
        batch = tuple(self._queue[self._next : self._next + size])
        self._next += len(batch)
        return batch

    def remaining_batches(self) -> list[tuple[EventTarget, ...]]:
        """Every batch not yet taken by ``get_next_batch`` (taking them)."""
        rest = list(cut_batches(self._queue[self._next :], self.settings.batch_size))
        self._next = len(self._queue)
        return rest

    # --- scraping -----------------------------------------------------------------------------------

    async def _parse_payload(self, platform: Platform, payload: dict[str, Any]) -> EventOdds:
        """Parse on the loop, one payload per loop iteration.

        Responses arrive in bursts (a batch's 50 BetPawa events answer within a few hundred ms); parsed
        as they come, a burst would hold the loop for a second while other sites' answers wait unread
        and their slots sit idle. Taking turns, with a yield before each parse, lets the loop poll and
        serve I/O between any two parses: the pipes stay full and the CPU work is the same.
        """
        if self.settings.parse_in_thread:
            return await asyncio.to_thread(self._parse, platform, payload)
        async with self._parse_turn:
            await asyncio.sleep(0)
            return self._parse(platform, payload)

    async def scrape_site(self, target: EventTarget, platform: Platform) -> SiteResult:
        """One site's odds for one event, or its error as ``"<reason>: <message>"``; never raises."""
        start = time.perf_counter()
        error: str
        try:
            payload = await self.clients[platform].fetch_event(target.platform_ids[platform])
            odds = await self._parse_payload(platform, payload)
        except SiteError as exc:
            error = f"{exc.reason}: {exc}"
        except ParseError as exc:
            error = f"parse_error: {exc}"
        except Exception as exc:  # a bug must not sink the cycle: it becomes this site's error
            logger.opt(exception=exc).error("scraping {} on {} crashed", target.sportradar_id, platform.value)
            error = f"unexpected: {type(exc).__name__}: {exc}"
        else:
            if odds.sportradar_id != target.sportradar_id:
                error = f"sportradar_mismatch: asked for {target.sportradar_id}, got {odds.sportradar_id}"
            else:
                return SiteResult(platform=platform, odds=odds, timing_ms=_ms_since(start))
        return SiteResult(platform=platform, error=error[:2000], timing_ms=_ms_since(start))

    async def scrape_event(
        self, target: EventTarget, *, emit: Emit, run_id: int = 0, batch_index: int = 0
    ) -> ScrapedEvent:
        """Every site of one event started together; emits ``EVENT_SCRAPING`` then ``EVENT_SCRAPED``."""
        platforms = tuple(p for p in target.platforms if p in self.clients)
        emit(
            EventScraping(
                run_id=run_id,
                batch_index=batch_index,
                sportradar_id=target.sportradar_id,
                platforms=tuple(p.value for p in platforms),
            )
        )
        scraped_at = self.clock()
        start = time.perf_counter()
        results = await asyncio.gather(*(self.scrape_site(target, p) for p in platforms))
        event = ScrapedEvent(
            sportradar_id=target.sportradar_id,
            platforms_requested=platforms,
            results=tuple(results),
            timing_ms=_ms_since(start),
            scraped_at=scraped_at,
        )
        emit(event_scraped(event, run_id=run_id, batch_index=batch_index))
        return event

    def scrape_batch(
        self, batch: Sequence[EventTarget], *, run_id: int = 0, batch_index: int = 0
    ) -> BatchScrape:
        """Scrape all events of ``batch`` concurrently.

        Iterate the returned object for ``EVENT_SCRAPING``/``EVENT_SCRAPED`` as each event starts and
        ends; afterwards ``.result`` is the :class:`ScrapeBatch` (events in the batch's order).
        """
        return BatchScrape(self, tuple(batch), run_id=run_id, batch_index=batch_index)

    # --- storage ------------------------------------------------------------------------------------

    async def store_batch_results(
        self, conn: asyncpg.Connection[Any], batch: ScrapeBatch, scrape_run_id: int
    ) -> StoreResult:
        """Hand one batch to ``store_batch`` on ``conn``: ``events_stored``, ``snapshots_created``, errors."""
        return await store_batch(conn, batch, scrape_run_id)

    # --- the whole cycle ----------------------------------------------------------------------------

    def run_full_cycle(
        self, pool: asyncpg.Pool[Any], scrape_run_id: int | None = None
    ) -> AsyncGenerator[ProgressEvent, None]:
        """Run one full cycle on ``pool`` (an async generator of progress events; see cycle.runner)."""
        from oddsstore.cycle.runner import run_full_cycle

        return run_full_cycle(self, pool, scrape_run_id)


def event_scraped(event: ScrapedEvent, *, run_id: int, batch_index: int) -> EventScraped:
    scraped = tuple(r.platform.value for r in event.results if r.odds is not None)
    failed = tuple(r.platform.value for r in event.results if r.error is not None)
    return EventScraped(
        run_id=run_id,
        batch_index=batch_index,
        sportradar_id=event.sportradar_id,
        status="completed" if scraped else "failed",
        platforms_scraped=scraped,
        platforms_failed=failed,
        timing_ms=event.timing_ms,
        site_timings_ms={r.platform.value: r.timing_ms for r in event.results},
        markets=sum(len(r.odds.markets) for r in event.results if r.odds is not None),
        errors={r.platform.value: r.error for r in event.results if r.error is not None},
    )


class BatchScrape:
    """One batch being scraped: an async iterator of its progress events, then ``result``."""

    def __init__(
        self,
        coordinator: EventCoordinator,
        targets: tuple[EventTarget, ...],
        *,
        run_id: int,
        batch_index: int,
    ) -> None:
        self._coordinator = coordinator
        self._targets = targets
        self._run_id = run_id
        self._batch_index = batch_index
        self._result: ScrapeBatch | None = None

    @property
    def result(self) -> ScrapeBatch:
        if self._result is None:
            raise RuntimeError("the batch has not been scraped yet: iterate it first")
        return self._result

    async def __aiter__(self) -> AsyncIterator[ProgressEvent]:
        events: asyncio.Queue[ProgressEvent] = asyncio.Queue()
        tasks = [
            asyncio.create_task(
                self._coordinator.scrape_event(
                    t, emit=events.put_nowait, run_id=self._run_id, batch_index=self._batch_index
                )
            )
            for t in self._targets
        ]
        gathered = asyncio.gather(*tasks)
        try:
            while not gathered.done() or not events.empty():
                if events.empty():
                    getter = asyncio.ensure_future(events.get())
                    waiting: set[asyncio.Future[Any]] = {getter, gathered}
                    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                    if not getter.done():
                        getter.cancel()
                        continue
                    yield getter.result()
                else:
                    yield events.get_nowait()
            scraped = await gathered
        finally:
            for task in tasks:
                task.cancel()
        self._result = ScrapeBatch(events=tuple(scraped), batch_index=self._batch_index)
