"""Where a finished batch goes: the storage hand-off of a cycle.

The cycle hands each scraped batch to a :class:`BatchStorer`. The cycle's default is
:class:`oddsstore.storage.retrying.RetryingStorer` (retries on a new connection, holds batches back
while the database is unavailable, spills what it could not store). :class:`NullStorer` stores nothing
and counts what it would have stored: for dry runs and for measuring a cycle without storage.

A storer that may hold batches back is a :class:`DeferringStorer` as well; the cycle then drains it at
the end, fails the run for what it could not store, and has it spill those batches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from oddsstore.db import Connection
from oddsstore.models import ScrapeBatch, StoreResult
from oddsstore.repositories.scrape_runs import RunOrigin

#: ``store_batch`` or a function like it: (connection, batch, run id) -> StoreResult.
StoreFn = Callable[[Connection, ScrapeBatch, int], Awaitable[StoreResult]]

#: What a deferring storer's ``store`` returns for a batch it holds back (compare with ``is``).
DEFERRED = StoreResult(events_stored=0, snapshots_created=0, markets_stored=0, errors=("deferred",))

#: Called for every batch a deferring storer stores later than its ``store`` call returned.
LateStore = Callable[[ScrapeBatch, StoreResult], Awaitable[None]]


@runtime_checkable
class BatchStorer(Protocol):
    async def store(self, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult: ...


@runtime_checkable
class DeferringStorer(BatchStorer, Protocol):
    """A storer whose ``store`` may return ``DEFERRED`` and store the batch later (or never)."""

    spilled: int  # batches written to a spill file
    lost: int  # batches neither stored nor spilled
    last_error: str | None

    @property
    def unsaved(self) -> int:
        """Batches still held back (after ``drain``: the run then ends ``failed``)."""

    def on_late_store(self, callback: LateStore | None) -> None: ...

    def hold(self, batch: ScrapeBatch, scrape_run_id: int) -> None:
        """Keep a scraped batch a stop overtook before it was stored: stored in the drain's grace,
        else spilled (never dropped)."""

    async def drain(self, error: str | None, *, grace_s: float | None = None) -> None:
        """Called once at the end (also when the cycle fails or is cancelled) before the run is finalized;
        ``grace_s``: a graceful stop, held-back batches may still take that long (bounded)."""

    def note_run_origin(self, run_id: int, origin: RunOrigin) -> None:
        """Where run ``run_id`` lives (database identity, start time): written with its spilled batches."""

    def spill_path(self, run_id: int) -> Path | None: ...

    async def check_spill_dir(self) -> None:
        """Raise ``OSError`` if batches could not be spilled (checked before the first batch)."""

    async def spill_remaining(self, reason: str) -> int:
        """Spill what is still held back (before the run row is written, so it can say what happened)."""


class NullStorer:
    """Stores nothing; returns what storing would have written at most (snapshots, markets)."""

    def __init__(self) -> None:
        self.batches = 0

    async def store(self, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult:
        self.batches += 1
        snapshots = 0
        markets = 0
        for event in batch.events:
            for result in event.results:
                if result.odds is not None:
                    snapshots += 1
                    markets += len(result.odds.markets)
        return StoreResult(
            events_stored=len(batch.events), snapshots_created=snapshots, markets_stored=markets
        )
