"""The scrape cycle's front door: discover, prioritise, batch, scrape every site of an event together, store.

:class:`EventCoordinator` owns no SQL and no HTTP details: it calls the site clients and ``parse_event``
(through :class:`~oddsstore.cycle.scraping.Scraper`), keeps the priority queue, and hands each batch to
a :class:`~oddsstore.storage.storer.BatchStorer` (``store_batch`` behind a retrying storer by default).
:meth:`EventCoordinator.run_full_cycle` drives a whole cycle and yields progress events.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import attrs

from oddsstore.clients.base import SiteClient
from oddsstore.cycle.planning import cut_batches, prioritise
from oddsstore.cycle.runner import run_full_cycle
from oddsstore.cycle.scraping import Parser, Scraper
from oddsstore.db import Connection
from oddsstore.models import EventTarget, Platform, ScrapeBatch, StoreResult, utcnow
from oddsstore.parsing import parse_event
from oddsstore.progress import ProgressEvent
from oddsstore.storage import store_batch
from oddsstore.storage.storer import BatchStorer


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


class EventCoordinator(Scraper):
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
        self.settings = settings or CoordinatorSettings()
        super().__init__(clients, parser=parser, clock=clock, parse_in_thread=self.settings.parse_in_thread)
        self.storer = storer
        self._queue: list[EventTarget] = []
        self._next = 0

    # --- the queue ----------------------------------------------------------------------------------

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

    # --- storage ------------------------------------------------------------------------------------

    async def store_batch_results(
        self, conn: Connection, batch: ScrapeBatch, scrape_run_id: int
    ) -> StoreResult:
        """Hand one batch to ``store_batch`` on ``conn`` (the default storer's store function)."""
        return await store_batch(conn, batch, scrape_run_id)

    # --- the whole cycle ----------------------------------------------------------------------------

    def run_full_cycle(
        self,
        pool: asyncpg.Pool[Any],
        scrape_run_id: int | None = None,
        *,
        after_stop: Callable[[ProgressEvent], None] | None = None,
    ) -> AsyncGenerator[ProgressEvent, None]:
        """Run one full cycle on ``pool``: an async generator of progress events (see ``cycle.runner``;
        ``after_stop`` gets those a stopped cycle emitted while it wound down)."""
        return run_full_cycle(self, pool, scrape_run_id, after_stop=after_stop)
