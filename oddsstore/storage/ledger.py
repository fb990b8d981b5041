"""The run ledger: a cycle's run row and its exclusivity, on a database connection of its own.

:class:`RunLedger` owns everything the database knows about a running cycle: the session-level advisory
lock (a second cycle on the same database finds it held and stops), the ``scrape_runs`` row (created
unless one is given), its heartbeat, the counters added after every stored batch, the closing of runs
abandoned by dead cycles, and the run's end: written on the lock connection, or on fresh pool
connections when that one broke (the database restarted), its counters then recomputed from the rows.
The cycle keeps its own state and its progress events; it never writes SQL.

The lock survives a lost connection: every call has a client-side deadline (``CALL_TIMEOUT_S``); a
connection that failed (lost, past its deadline, terminated) is replaced at the next use (a broken one
is retried every ``RECONNECT_INTERVAL_S``) and the lock taken again on the new one; if another cycle
took it meanwhile, or closed this run, the ledger calls ``on_lock_lost`` and the cycle stops with the
reason. The run row records the lock holder's backend pid (``lock_backend_pid``), so the next cycle
closes a run whose session is gone at once (a process killed outright), and never one whose backend
holds the lock; a run with no recorded backend is closed after ``ABANDONED_AFTER_S`` without heartbeat.
At the end, the recount is compared with what the cycle stored: fewer events in the rows than it stored
(a committed batch lost in a crash) makes a ``completed`` run ``partial``, with the numbers.

Writes during the cycle (heartbeat, discovery, counters) are best effort: a transient database error is
logged and the cycle goes on (the end rewrites the figures). :func:`run_to_end` runs the end through
any number of cancellations.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Any

import asyncpg
import attrs
from loguru import logger

from oddsstore.db import Connection
from oddsstore.errors import TRANSIENT_DB_ERRORS, RetryPolicy, retry_transient
from oddsstore.models import RunStatus
from oddsstore.repositories.scrape_runs import RunCounters, RunOrigin, ScrapeRunsRepository

LOCK_HELD = "another scrape cycle is running on this database"
LOCK_LOST = "stopped: the cycle lock was lost with its database connection and another cycle took it"
RUN_CLOSED = "stopped: another cycle closed this run while its database connection was lost"
ABANDONED_REASON = "abandoned: its cycle stopped without finalizing the run"
ABANDONED_AFTER_S = 60.0
#: Writing a run's end on fresh connections: a few tries, for a database that is restarting.
FINISH_RETRY = RetryPolicy(attempts=3, base_s=0.5, max_s=2.0, jitter=False)
FINISH_TIMEOUT_S = 10.0
#: Client-side deadline of every ledger call (a frozen server is treated like a down one).
CALL_TIMEOUT_S = 5.0
#: How often a ledger whose connection broke tries to replace it (and re-take the lock).
RECONNECT_INTERVAL_S = 1.0


#: Transient errors after which the connection itself is fine (any other one replaces it).
_CONNECTION_STAYS_GOOD = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


def connection_gone(conn: Any) -> bool:
    """Whether a pool connection is closed. One that closed (lost, or terminated) has been handed back
    to its pool already, and its proxy answers nothing, not even ``is_closed()``."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True


class _LockStillOurs(ConnectionError):
    """The cycle's previous session still holds the lock (its backend has not noticed it is gone)."""


class RunLedger:
    """One cycle's run row and lock. Use as ``async with RunLedger(pool, ...) as ledger`` and check
    :attr:`locked`; leaving the block releases the lock and the connection.

    When the lock connection breaks (the database restarted, a call hit its deadline) the next use
    replaces it and takes the lock again; if another cycle took it meanwhile (or closed this run),
    :attr:`lost_reason` says so and ``on_lock_lost(reason)`` is called: the cycle must stop.
    """

    def __init__(
        self,
        pool: asyncpg.Pool[Any],
        *,
        heartbeat_interval_s: float = 5.0,
        call_timeout_s: float | None = None,
        on_lock_lost: Callable[[str], None] | None = None,
    ) -> None:
        self._pool = pool
        self._interval = heartbeat_interval_s
        self._timeout = CALL_TIMEOUT_S if call_timeout_s is None else call_timeout_s
        self._on_lock_lost = on_lock_lost
        self._conn: Any = None  # a pool connection (proxy), or None while it is being replaced
        self._open = False
        self._broken = False
        self._backend_pid: int | None = None  # the backend of the session that took the lock
        self._turn = asyncio.Lock()  # the heartbeat and the cycle take turns on the connection
        self._heart: asyncio.Task[None] | None = None
        self.run_id: int | None = None
        self.locked = False
        self.lost_reason: str | None = None
        self.reconnects = 0  # lock connections replaced
        self.finalized = False
        self.counted: RunCounters | None = None  # the counters recomputed from the rows at the end
        self.origin: RunOrigin | None = None  # where the run lives (for spill files)
        self.shortfall: str | None = None  # the recount found fewer events than the cycle stored
        self.error: str | None = None  # the run's error as finally written (with any shortfall note)

    async def __aenter__(self) -> RunLedger:
        conn = await self._pool.acquire(timeout=self._timeout)
        try:
            async with asyncio.timeout(self._timeout):
                self.locked = await ScrapeRunsRepository(conn).try_cycle_lock()
        except BaseException:
            await self._discard(conn)
            raise
        self._conn = conn
        self._backend_pid = conn.get_server_pid()  # the session holding the lock, if it was taken
        self._open = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop_heartbeat()
        if self.locked and not self._broken:
            with contextlib.suppress(*TRANSIENT_DB_ERRORS):
                async with self._runs() as runs:
                    await runs.release_cycle_lock()
        self.locked = False
        self._open = False
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._discard(conn, terminate=self._broken)

    async def _discard(self, conn: Any, *, terminate: bool = True) -> None:
        """Give a connection back to the pool; a suspect one is terminated first (never reused: a
        query may still be pending on it, on a server that does not answer)."""
        try:
            closed = conn.is_closed()
        except asyncpg.InterfaceError:
            return  # it closed and the pool has taken it back
        if terminate and not closed:
            conn.terminate()
        with contextlib.suppress(*TRANSIENT_DB_ERRORS):
            async with asyncio.timeout(self._timeout):
                await self._pool.release(conn)

    async def _connection(self) -> Connection:
        """The lock connection; a broken one is replaced and the lock taken again on the new one."""
        if not self._open:
            raise RuntimeError("RunLedger used outside its `async with` block")
        if self._conn is not None and not self._broken and not connection_gone(self._conn):
            conn: Connection = self._conn
            return conn
        if self._conn is not None:
            old, self._conn = self._conn, None
            await self._discard(old)
        self._broken = True
        fresh = await self._pool.acquire(timeout=self._timeout)
        try:
            async with asyncio.timeout(self._timeout):
                if self.locked:
                    await self._retake(ScrapeRunsRepository(fresh))
        except BaseException:
            await self._discard(fresh)
            raise
        self._conn, self._broken = fresh, False
        self.reconnects += 1
        return fresh

    async def _retake(self, runs: ScrapeRunsRepository) -> None:
        if await runs.try_cycle_lock():
            if self.run_id is not None and not await runs.claim(run_id=self.run_id):
                await runs.release_cycle_lock()
                self._lose(RUN_CLOSED)
                return
            logger.warning("run {}: cycle lock taken again on a new database connection", self.run_id)
            return
        holder = await runs.lock_holder()
        if holder is None or holder == self._backend_pid:
            raise _LockStillOurs(f"the cycle lock is still held by this cycle's old session ({holder})")
        self._lose(f"{LOCK_LOST} (backend {holder})")

    def _lose(self, reason: str) -> None:
        self.locked = False
        self.lost_reason = reason
        logger.error("run {}: {}", self.run_id, reason)
        if self._heart is not None and self._heart is not asyncio.current_task():
            self._heart.cancel()
        if self._on_lock_lost is not None:
            self._on_lock_lost(reason)

    @contextlib.asynccontextmanager
    async def _runs(self, timeout_s: float | None = None) -> AsyncIterator[ScrapeRunsRepository]:
        """The run repository on the lock connection, one user at a time, each call with a deadline;
        a connection that failed (lost, or past its deadline) is replaced before the next use."""
        async with self._turn:
            conn = await self._connection()
            try:
                async with asyncio.timeout(timeout_s or self._timeout):
                    yield ScrapeRunsRepository(conn)
            except TRANSIENT_DB_ERRORS as exc:
                if not isinstance(exc, _CONNECTION_STAYS_GOOD):
                    self._broken = True
                raise

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
        async with self._runs() as runs:
            await runs.claim(run_id=run_id)
            self.origin = await runs.origin(run_id=run_id)
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
        while self.lost_reason is None:
            # a broken connection is replaced (and the lock taken again) soon, not a beat later
            await asyncio.sleep(min(self._interval, RECONNECT_INTERVAL_S) if self._broken else self._interval)
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

        async def end(runs: ScrapeRunsRepository) -> None:
            self.counted = await self._recount(runs, reason)
            if self.counted is not None:
                await self._check_shortfall(runs, status, error, events_scraped, events_failed)

        try:
            async with self._runs() as runs:
                await runs.finish(run_id=run_id, status=status, error=error, **counters)
                if self.locked:
                    await runs.release_cycle_lock()
                self.locked = False
            self.finalized = True
        except TRANSIENT_DB_ERRORS as exc:
            logger.warning("finishing run {} on its own connection failed ({}); retrying", run_id, exc)
        if self.finalized:
            try:
                async with self._runs(timeout_s=FINISH_TIMEOUT_S) as runs:
                    await end(runs)
            except TRANSIENT_DB_ERRORS as exc:
                logger.warning("counters of run {} not recomputed from its rows: {}", run_id, exc)
            return True

        async def on_fresh_connection() -> None:
            async with asyncio.timeout(FINISH_TIMEOUT_S), self._pool.acquire() as conn:
                runs = ScrapeRunsRepository(conn)
                await runs.finish(run_id=run_id, status=status, error=error, **counters)
                await end(runs)

        def retried(attempt: int, exc: BaseException, _delay: float) -> None:
            logger.warning("finishing run {} failed (try {}): {}", run_id, attempt, exc)

        try:
            await retry_transient(on_fresh_connection, FINISH_RETRY, on_retry=retried)
        except TRANSIENT_DB_ERRORS as exc:
            logger.error("run {} could not be finalized: the database is unavailable ({})", run_id, exc)
            return False
        self.finalized = True
        return True

    async def _check_shortfall(
        self,
        runs: ScrapeRunsRepository,
        status: RunStatus,
        error: str | None,
        events_scraped: int,
        events_failed: int,
    ) -> None:
        """The rows hold fewer events than the cycle stored (a committed batch lost in a crash, e.g.
        with ``synchronous_commit=off``): a ``completed`` or ``partial`` run becomes ``partial`` with
        the numbers in its error."""
        counted = self.counted
        assert counted is not None and self.run_id is not None
        believed = events_scraped + events_failed
        found = counted.events_scraped + counted.events_failed
        if found >= believed or status not in (RunStatus.COMPLETED, RunStatus.PARTIAL):
            return
        note = (
            f"recount: {found} of the {believed} events this cycle stored are in the database "
            f"({counted.events_scraped} scraped and {counted.events_failed} failed, "
            f"against {events_scraped} and {events_failed})"
        )
        self.shortfall = note
        full = note if error is None else f"{error}; {note}"
        await runs.finish(run_id=self.run_id, status=RunStatus.PARTIAL, error=full)
        self.counted = attrs.evolve(counted, status=RunStatus.PARTIAL.value)
        self.error = full
        logger.error("run {}: {}", self.run_id, note)

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
