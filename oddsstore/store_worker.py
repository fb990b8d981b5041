"""Where a finished batch goes: the storage hand-off of a cycle.

The cycle hands each scraped batch to a :class:`BatchStorer`. The cycle's default is
:class:`oddsstore.retrying_storer.RetryingStorer` (retries on a new connection, holds batches back
while the database is unavailable, spills what it could not store); :class:`PoolStorer` takes a
connection from the pool and calls ``store_batch`` once. :class:`NullStorer` stores nothing and counts
what it would have stored: for dry runs and for measuring a cycle without storage.

Optional parts of a storer the cycle uses when present: ``async drain(error: str | None)``, called once
at the end (also when the cycle fails or is cancelled) before the run is finalized; ``unsaved`` (batches
still held back after ``drain``: the run then ends ``failed``), ``spill_path(run_id)``, ``last_error``
and ``async spill_remaining(reason)`` (called after the run row is written, so the reason can say
whether it was); ``on_late_store(callback)`` for a storer whose ``store`` may return
``retrying_storer.DEFERRED`` and store the batch later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

import asyncpg

from oddsstore.models import ScrapeBatch, StoreResult

#: ``store_batch`` or a function like it: (connection, batch, run id) -> StoreResult.
StoreFn = Callable[[Any, ScrapeBatch, int], Awaitable[StoreResult]]


@runtime_checkable
class BatchStorer(Protocol):
    async def store(self, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult: ...


class PoolStorer:
    """One attempt per batch on a connection from ``pool``; an error ends the cycle (it is not hidden)."""

    def __init__(self, pool: asyncpg.Pool[Any], store: StoreFn) -> None:
        self._pool = pool
        self._store = store

    async def store(self, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult:
        async with self._pool.acquire() as conn:
            return await self._store(conn, batch, scrape_run_id)


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
