"""What a cycle needs of its host and how the host stops it: the settings and coordinator protocols
(``EventCoordinator`` is a ``CycleHost``), the storer a cycle uses when the host gives none, and
:class:`StopRequest`, the graceful stop (``task.cancel(StopRequest())``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import attrs

from oddsstore.cycle.scraping import DiscoveryOutcome, Emit
from oddsstore.db import Connection
from oddsstore.models import EventTarget, Platform, ScrapeBatch, ScrapedEvent, StoreResult
from oddsstore.storage.retrying import RetryingStorer
from oddsstore.storage.storer import BatchStorer

__all__ = ["STOP_GRACE_S", "CycleHost", "CycleSettings", "StopRequest", "default_storer"]


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


#: How long a graceful stop lets storing go on (a signal: systemd and Docker wait about 10 s).
STOP_GRACE_S = 5.0


@attrs.frozen(slots=True)
class StopRequest:
    """A graceful stop: cancel the task consuming a cycle's progress with ``task.cancel(StopRequest())``.

    The cycle stops taking new work, gives the batches it holds back ``grace_s`` more to be stored
    (at most the storer's flush timeout), spills the rest and finalizes the run with ``reason``.
    """

    reason: str = "stopped by signal"
    grace_s: float = STOP_GRACE_S
