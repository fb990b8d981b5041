"""The run ledger: a cycle's run row and its exclusivity, on a database connection of its own.

:class:`RunLedger` owns everything the database knows about a running cycle: the session-level advisory
lock (a second cycle on the same database finds it held and stops), the ``scrape_runs`` row (created
unless one is given), its heartbeat, the counters added after every stored batch, the closing of runs
abandoned by dead cycles, and the run's end: written on the lock connection, or on fresh pool
connections when that one broke (the database restarted), its counters then recomputed from the rows.
The cycle keeps its own state and its progress events; it never writes SQL.

Writes during the cycle (heartbeat, discovery, counters) are best effort: a transient database error is
logged and the cycle goes on (the end rewrites the figures). :func:`run_to_end` runs the end through
any number of cancellations.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Mapping
from typing import Any

import asyncpg
from loguru import logger

from oddsstore.db import Connection
from oddsstore.errors import TRANSIENT_DB_ERRORS, RetryPolicy, retry_transient
from oddsstore.models import RunStatus
from oddsstore.repositories.scrape_runs import RunCounters, ScrapeRunsRepository

LOCK_HELD = "another scrape cycle is running on this database"
ABANDONED_REASON = "abandoned: its cycle stopped without finalizing the run (no heartbeat)"
ABANDONED_AFTER_S = 60.0
#: Writing a run's end on fresh connections: a few tries, for a database that is restarting.
FINISH_RETRY = RetryPolicy(attempts=3, base_s=0.5, max_s=2.0, jitter=False)
FINISH_TIMEOUT_S = 10.0


class RunLedger:
    """One cycle's run row and lock. Use as ``async with RunLedger(pool, ...) as ledger`` and check
    :attr:`locked`; leaving the block releases the lock and the connection."""

    def __init__(self, pool: asyncpg.Pool[Any], *, heartbeat_interval_s: float = 5.0) -> None:
        self._pool = pool
        self._interval = heartbeat_interval_s
        self._stack = contextlib.AsyncExitStack()
        self._conn: Connection | None = None
        self._turn = asyncio.Lock()  # the heartbeat and the cycle take turns on the connection
        self._heart: asyncio.Task[None] | None = None
        self.run_id: int | None = None
        self.locked = False
        self.finalized = False
        self.counted: RunCounters | None = None  # the counters recomputed from the rows at the end

    async def __aenter__(self) -> RunLedger:
        conn = await self._stack.enter_async_context(self._pool.acquire())
        try:
            self.locked = await ScrapeRunsRepository(conn).try_cycle_lock()
        except BaseException:
            await self._stack.aclose()
            raise
        self._conn = conn
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop_heartbeat()
        if self.locked:
            with contextlib.suppress(*TRANSIENT_DB_ERRORS):
                async with self._runs() as runs:
                    await runs.release_cycle_lock()
            self.locked = False
        self._conn = None
        await self._stack.aclose()

    @contextlib.asynccontextmanager
    async def _runs(self) -> AsyncIterator[ScrapeRunsRepository]:
        """The run repository on the lock connection, one user at a time."""
        if self._conn is None:
            raise RuntimeError("RunLedger used outside its `async with` block")
        async with self._turn:
            yield ScrapeRunsRepository(self._conn)

    async def _best_effort(self, what: str, work: Coroutine[Any, Any, object]) -> None:
        try:
            await work
        except TRANSIENT_DB_ERRORS as exc:
            logger.warning("{} of run {} not recorded: {}", what, self.run_id, exc)

    # --- opening ------------------------------------------------------------------------------------

    async def skip(self, run_id: int | None) -> None:
        """The lock is held elsewhere: a run given by the caller ends ``failed`` (skipped)."""
        if run_id is not None:
            async with self._runs() as runs:
                await runs.finish(run_id=run_id, status=RunStatus.FAILED, error=f"skipped: {LOCK_HELD}")
        logger.warning("cycle not started: {}", LOCK_HELD)

    async def open(self, *, run_id: int | None, trigger: str) -> int:
        """Create the run row unless ``run_id`` is given, close runs abandoned by dead cycles (the lock
        is held, so none of them can be alive) and start the heartbeat."""
        if not self.locked:
            raise RuntimeError("RunLedger.open needs the cycle lock")
        if run_id is None:
            async with self._runs() as runs:
                run_id = (await runs.create(trigger=trigger)).id
        self.run_id = run_id
        await self._close_abandoned()
        self._heart = asyncio.create_task(self._heartbeat_forever())
        return run_id

    async def _close_abandoned(self) -> None:
        assert self.run_id is not None
        stale_after_s = max(ABANDONED_AFTER_S, 6 * self._interval)
        try:
            async with self._runs() as runs:
                closed = await runs.fail_abandoned_runs(
                    except_run_id=self.run_id, reason=ABANDONED_REASON, stale_after_s=stale_after_s
                )
        except TRANSIENT_DB_ERRORS as exc:
            logger.warning("could not close abandoned runs: {}", exc)
            return
        if closed:
            logger.warning("{} abandoned run(s) closed as failed", closed)

    # --- during the cycle ---------------------------------------------------------------------------

    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.beat()

    async def beat(self) -> None:
        """Mark the run alive now (best effort)."""
        assert self.run_id is not None
        run_id = self.run_id

        async def write() -> None:
            async with self._runs() as runs:
                await runs.heartbeat(run_id=run_id)

        await self._best_effort("heartbeat", write())

    async def stop_heartbeat(self) -> None:
        """Stop beating; its query, if any, ends before the connection is used again."""
        if self._heart is not None:
            self._heart.cancel()
            await asyncio.wait({self._heart})
            self._heart = None

    async def record_discovery(self, *, discovery: Mapping[str, int], events_total: int) -> None:
        """Events found per site and merged events to scrape (best effort: the end writes the total)."""
        assert self.run_id is not None
        run_id = self.run_id

        async def write() -> None:
            async with self._runs() as runs:
                await runs.set_discovery(run_id=run_id, discovery=discovery, events_total=events_total)

        await self._best_effort("discovery", write())

    async def add_batch(
        self,
        *,
        events_scraped: int,
        events_failed: int,
        snapshots_created: int,
        markets_stored: int,
        history_rows: int,
    ) -> None:
        """Add one stored batch's figures to the run row, which also beats its heart (best effort)."""
        assert self.run_id is not None
        run_id = self.run_id

        async def write() -> None:
            async with self._runs() as runs:
                await runs.add_batch_counters(
                    run_id=run_id,
                    events_scraped=events_scraped,
                    events_failed=events_failed,
                    snapshots_created=snapshots_created,
                    markets_stored=markets_stored,
                    history_rows=history_rows,
                )

        await self._best_effort("batch counters", write())

    # --- the end ------------------------------------------------------------------------------------

    async def finish(
        self,
        status: RunStatus,
        error: str | None,
        *,
        events_total: int,
        events_scraped: int,
        events_failed: int,
        snapshots_created: int,
        markets_stored: int,
        history_rows: int,
    ) -> bool:
        """Write the run's end and recount its rows; on a broken lock connection, on fresh pool
        connections. ``False`` if the row could not be written (the database stayed unavailable)."""
        await self.stop_heartbeat()
        if self.run_id is None:
            return True
        run_id = self.run_id
        counters = {
            "events_total": events_total,
            "events_scraped": events_scraped,
            "events_failed": events_failed,
            "snapshots_created": snapshots_created,
            "markets_stored": markets_stored,
            "history_rows": history_rows,
        }
        reason = error or status.value
        try:
            async with self._runs() as runs:
                await runs.finish(run_id=run_id, status=status, error=error, **counters)
                await runs.release_cycle_lock()
                self.locked = False
                self.counted = await self._recount(runs, reason)
            self.finalized = True
            return True
        except TRANSIENT_DB_ERRORS as exc:
            logger.warning("finishing run {} on its own connection failed ({}); retrying", run_id, exc)

        async def on_fresh_connection() -> RunCounters | None:
            async with asyncio.timeout(FINISH_TIMEOUT_S), self._pool.acquire() as conn:
                runs = ScrapeRunsRepository(conn)
                await runs.finish(run_id=run_id, status=status, error=error, **counters)
                return await self._recount(runs, reason)

        def retried(attempt: int, exc: BaseException, _delay: float) -> None:
            logger.warning("finishing run {} failed (try {}): {}", run_id, attempt, exc)

        try:
            self.counted = await retry_transient(on_fresh_connection, FINISH_RETRY, on_retry=retried)
        except TRANSIENT_DB_ERRORS as exc:
            logger.error("run {} could not be finalized: the database is unavailable ({})", run_id, exc)
            return False
        self.finalized = True
        return True

    async def _recount(self, runs: ScrapeRunsRepository, reason: str) -> RunCounters | None:
        """Set a finished run's counters from its rows (a retry after a commit whose reply was lost
        stores nothing and reports zeros). Best effort: ``None`` if it failed, the end is written."""
        assert self.run_id is not None
        try:
            async with asyncio.timeout(FINISH_TIMEOUT_S):
                return await runs.recompute_counters(run_id=self.run_id, reason=reason)
        except TRANSIENT_DB_ERRORS as exc:
            logger.warning("counters of run {} not recomputed from its rows: {}", self.run_id, exc)
            return None


async def run_to_end(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` to its end whatever cancellations arrive meanwhile (each one is held back until it
    ends, so the run row is never left ``running``), then raise the cancellation, if there was one."""
    final = asyncio.ensure_future(work)
    cancelled = False
    while not final.done():
        try:
            await asyncio.shield(final)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not final.cancelled() and (exc := final.exception()) is not None:
            logger.opt(exception=exc).error("finishing the run failed during a cancellation")
        raise asyncio.CancelledError
    final.result()
