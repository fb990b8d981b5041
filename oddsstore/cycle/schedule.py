"""``run_forever``: a cycle every ``every_s`` seconds, start to start, for hosts that run it unattended.

A cycle that overruns its interval is followed at once, never overlapped (the database's advisory lock
still keeps a cycle of another process out: this one then ends ``CYCLE_SKIPPED`` and the loop goes on).
Maintenance (``oddsstore.storage.maintenance.maintain``: partitions ahead, retention) runs before the
first cycle and then once every ``maintenance_interval_s`` (a day). Each cycle opens fresh site clients
(fresh limits and circuit breakers) on the host's aiohttp session if one is given, and stores through
a :class:`~oddsstore.storage.retrying.RetryingStorer` of its own.

A cycle that cannot start (the database unavailable) or a maintenance that fails is logged and counted,
and the loop goes on at the next interval. Stopping is a cancellation of the task running the loop:

- ``task.cancel(StopRequest(reason, grace_s))`` (what ``oddsstore run`` does on SIGTERM or SIGINT): no
  new cycle; the running one stops taking work, gives the batches its storer holds back ``grace_s``
  more, spills the rest and finalizes its run row ``failed`` with ``reason``; then the cancellation
  propagates. :meth:`Scheduler.hurry` (a second signal) ends that grace at once, still finalizing;
- a plain ``task.cancel()`` does the same without a grace.

Metrics (:class:`~oddsstore.cycle.metrics.CycleMetrics`) are fed from every cycle's progress events,
clients and storer; ``on_event`` sees every progress event too (a host's log or stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import asyncpg
import attrs
from loguru import logger

from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.cycle.metrics import CycleMetrics
from oddsstore.errors import describe
from oddsstore.models import ALL_PLATFORMS, Platform
from oddsstore.progress import TERMINAL_TYPES, CycleStart, ProgressEvent
from oddsstore.storage.ledger import connection_gone
from oddsstore.storage.maintenance import DEFAULT_RETENTION_DAYS, MaintenanceResult, maintain
from oddsstore.storage.retrying import RetryingStorer, StorerPolicy

__all__ = ["DAY_S", "ScheduleSettings", "Scheduler", "run_forever"]

DAY_S = 86_400.0
#: How long maintenance waits for a pool connection before it is put off to the next cycle.
MAINTENANCE_ACQUIRE_S = 10.0
MAINTENANCE_TIMEOUT_S = 900.0


def _optional_positive(_instance: object, _attribute: object, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"max_cycles must be None or >= 1, not {value}")


@attrs.frozen(slots=True, kw_only=True)
class ScheduleSettings:
    """The loop's knobs: the interval (start to start), how many cycles (``None``: until stopped),
    the retention that maintenance applies (0 keeps everything) and how often it runs."""

    every_s: float = attrs.field(validator=attrs.validators.gt(0))
    max_cycles: int | None = attrs.field(default=None, validator=_optional_positive)
    retention_days: int = attrs.field(default=DEFAULT_RETENTION_DAYS, validator=attrs.validators.ge(0))
    maintenance_interval_s: float = attrs.field(default=DAY_S, validator=attrs.validators.gt(0))
    #: client-side deadline of one maintenance (a frozen server, a drop stuck behind a lock): past it the
    #: connection is terminated and maintenance is tried again before the next cycle
    maintenance_timeout_s: float = attrs.field(
        default=MAINTENANCE_TIMEOUT_S, validator=attrs.validators.gt(0)
    )


class Scheduler:
    """The loop behind :func:`run_forever`; keep a reference to call :meth:`hurry` or read its state."""

    def __init__(
        self,
        pool: asyncpg.Pool[Any],
        client_settings: ClientSettings,
        settings: ScheduleSettings,
        *,
        coordinator_settings: CoordinatorSettings | None = None,
        platforms: tuple[Platform, ...] = ALL_PLATFORMS,
        session: aiohttp.ClientSession | None = None,
        storer_policy: StorerPolicy | None = None,
        metrics: CycleMetrics | None = None,
        on_event: Callable[[ProgressEvent], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pool = pool
        self.client_settings = client_settings
        self.settings = settings
        self.coordinator_settings = coordinator_settings or CoordinatorSettings(trigger="schedule")
        self.platforms = platforms
        self.session = session
        self.storer_policy = storer_policy
        self.metrics = metrics if metrics is not None else CycleMetrics()
        self.on_event = on_event
        self._clock = clock
        self._sleep = sleep
        self.cycles = 0  # cycles started (skipped and failed ones included)
        self.run_id: int | None = None  # the running cycle's run (None between cycles)
        self.storer: RetryingStorer | None = None  # the running cycle's storer
        self.last_maintenance: MaintenanceResult | None = None
        self._maintained_at: float | None = None

    async def run(self) -> int:
        """Run cycles until ``max_cycles`` have run (returns how many) or the task is cancelled."""
        limit = self.settings.max_cycles
        due = self._clock()  # the starts keep to a grid: a late wake-up does not push the next ones
        while limit is None or self.cycles < limit:
            await self.maintain_if_due()
            await self.run_cycle()
            self.cycles += 1
            if limit is not None and self.cycles >= limit:
                break
            due += self.settings.every_s
            now = self._clock()
            if due > now:
                await self._sleep(due - now)
            else:  # an overrun is followed at once, and the grid starts again from there
                due = now
        return self.cycles

    def hurry(self) -> None:
        """A second stop: the running cycle stops waiting for the batches its storer holds back (they
        are spilled and the run is finalized at once)."""
        if self.storer is not None:
            self.storer.give_up()

    async def maintain_if_due(self) -> MaintenanceResult | None:
        """Partitions ahead and retention, if it never ran or ran ``maintenance_interval_s`` ago; a
        failure is logged and counted, and tried again before the next cycle."""
        now = self._clock()
        due = self._maintained_at is None or now - self._maintained_at >= self.settings.maintenance_interval_s
        if not due:
            return None
        try:
            async with self.pool.acquire(timeout=MAINTENANCE_ACQUIRE_S) as conn:
                try:
                    async with asyncio.timeout(self.settings.maintenance_timeout_s):
                        result = await maintain(conn, retention_days=self.settings.retention_days)
                except (TimeoutError, asyncio.CancelledError):
                    # the server may still hold the transaction open: never hand it back to the pool
                    if not connection_gone(conn):
                        conn.terminate()
                    raise
        except Exception as exc:  # the loop goes on; maintenance is tried again before the next cycle
            logger.error("maintenance failed: {}", describe(exc))
            self.metrics.maintained(ok=False)
            return None
        self._maintained_at = now
        self.last_maintenance = result
        self.metrics.maintained(ok=True, partitions_dropped=len(result.partitions_dropped))
        logger.info(
            "maintenance: {} partitions created, {} dropped, {} runs deleted",
            result.partitions_created,
            len(result.partitions_dropped),
            result.runs_deleted,
        )
        return result

    async def run_cycle(self) -> None:
        """One cycle with fresh clients and storer; a failure to start it is logged and counted."""
        try:
            async with open_clients(self.client_settings, self.session, platforms=self.platforms) as clients:
                coordinator = EventCoordinator(clients, self.coordinator_settings)
                storer = RetryingStorer(
                    self.pool,
                    coordinator.store_batch_results,
                    spill_dir=self.coordinator_settings.spill_dir,
                    policy=self.storer_policy,
                )
                coordinator.storer = self.storer = storer
                self.metrics.watch_clients(clients)
                try:
                    async with contextlib.aclosing(
                        coordinator.run_full_cycle(self.pool, after_stop=self._seen)
                    ) as progress:
                        async for event in progress:
                            self._seen(event)
                finally:
                    self.metrics.count_storer(storer)
        except Exception as exc:  # the cycle never ran (its lock connection): the next one may
            logger.error("cycle not run: {}", describe(exc))
            self.metrics.cycle_error(describe(exc), self.run_id)
        finally:
            self.storer = None
            self.run_id = None

    def _seen(self, event: ProgressEvent) -> None:
        if isinstance(event, CycleStart):
            self.run_id = event.run_id
        self.metrics.observe(event)
        if self.on_event is not None:
            self.on_event(event)
        if event.type in TERMINAL_TYPES:
            self.run_id = None


async def run_forever(
    pool: asyncpg.Pool[Any],
    client_settings: ClientSettings,
    *,
    every_s: float,
    max_cycles: int | None = None,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    coordinator_settings: CoordinatorSettings | None = None,
    platforms: tuple[Platform, ...] = ALL_PLATFORMS,
    session: aiohttp.ClientSession | None = None,
    storer_policy: StorerPolicy | None = None,
    metrics: CycleMetrics | None = None,
    on_event: Callable[[ProgressEvent], None] | None = None,
) -> int:
    """A cycle every ``every_s`` seconds (start to start) until ``max_cycles`` ran or the task is
    cancelled; returns the cycles run. See the module doc for stopping and what a failure does."""
    settings = ScheduleSettings(every_s=every_s, max_cycles=max_cycles, retention_days=retention_days)
    scheduler = Scheduler(
        pool,
        client_settings,
        settings,
        coordinator_settings=coordinator_settings,
        platforms=platforms,
        session=session,
        storer_policy=storer_policy,
        metrics=metrics,
        on_event=on_event,
    )
    return await scheduler.run()
