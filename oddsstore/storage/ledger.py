"""Writing a cycle's run row at its end: retried on fresh pool connections when the cycle's own connection
broke (the database restarted), its counters recomputed from its rows, and never cut short by a
cancellation (``run_to_end``)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any, cast

import asyncpg
from loguru import logger

from oddsstore.models import RunStatus
from oddsstore.repositories.scrape_runs import RunCounters, ScrapeRunsRepository

# What a write of the run row may raise when its connection breaks (terminated backend, lost network):
# asyncpg reports an operation cut short on a dying connection as an InternalClientError.
DB_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    OSError,
    TimeoutError,
)
FINISH_TRIES = 3
FINISH_PAUSE_S = 0.5
FINISH_TIMEOUT_S = 10.0
ABANDONED_REASON = "abandoned: its cycle stopped without finalizing the run (no heartbeat)"
ABANDONED_AFTER_S = 60.0


def as_conn(conn: Any) -> asyncpg.Connection[Any]:
    """A pooled connection proxy behaves as a connection (asyncpg's stubs type them apart)."""
    return cast("asyncpg.Connection[Any]", conn)


async def recount(conn: Any, *, run_id: int, reason: str) -> RunCounters | None:
    """Set a finished run's counters from its rows (a retry after a commit whose reply was lost stores
    nothing and reports zeros). Best effort: ``None`` if it failed, the run's end is already written."""
    try:
        async with asyncio.timeout(FINISH_TIMEOUT_S):
            return await ScrapeRunsRepository(as_conn(conn)).recompute_counters(run_id=run_id, reason=reason)
    except DB_ERRORS as exc:
        logger.warning("counters of run {} not recomputed from its rows: {}", run_id, exc)
        return None


async def finish_on_fresh_connection(
    pool: asyncpg.Pool[Any],
    *,
    run_id: int,
    status: RunStatus,
    error: str | None,
    counters: Mapping[str, int],
) -> tuple[bool, RunCounters | None]:
    """Write the run's end on a pool connection, a few tries apart (for a database that is restarting).
    Returns whether it was written and the recomputed counters."""
    for attempt in range(1, FINISH_TRIES + 1):
        try:
            async with asyncio.timeout(FINISH_TIMEOUT_S), pool.acquire() as conn:
                await ScrapeRunsRepository(as_conn(conn)).finish(
                    run_id=run_id, status=status, error=error, **counters
                )
                return True, await recount(conn, run_id=run_id, reason=error or status.value)
        except DB_ERRORS as exc:
            logger.warning("finishing run {} failed (try {}/{}): {}", run_id, attempt, FINISH_TRIES, exc)
        if attempt < FINISH_TRIES:
            await asyncio.sleep(FINISH_PAUSE_S * attempt)
    logger.error("run {} could not be finalized: the database is unavailable", run_id)
    return False, None


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


async def close_abandoned_runs(runs: ScrapeRunsRepository, run_id: int, heartbeat_interval_s: float) -> None:
    """Runs left ``running`` by a cycle that died (killed process, database gone at its end). Called with
    the cycle lock held, so none of them can still be alive: they end ``failed`` instead of never.
    Best effort: a database error is logged, the cycle goes on."""
    stale_after_s = max(ABANDONED_AFTER_S, 6 * heartbeat_interval_s)
    try:
        closed = await runs.fail_abandoned_runs(
            except_run_id=run_id, reason=ABANDONED_REASON, stale_after_s=stale_after_s
        )
    except DB_ERRORS as exc:
        logger.warning("could not close abandoned runs: {}", exc)
        return
    if closed:
        logger.warning("{} abandoned run(s) closed as failed", closed)
