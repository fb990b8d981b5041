"""A small cache for answers that many clients ask for at once (the board): a value is fresh for
``ttl_s`` seconds, and concurrent requests for a key that is not cached share one computation (single
flight). For ``stale_s`` seconds more an expired value is still answered at once while one refresh
runs in the background (stale while revalidate), so under steady load no request waits for a
computation: a value is at most ``ttl_s + stale_s`` old, plus the time of one computation.

A failed computation is not cached: its waiters get the exception and the next request tries again.
A computation outlives a caller that goes away (the others still wait for it).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Up to ``max_entries`` values, each fresh for ``ttl_s`` seconds (``0``: no caching, single flight
    only) and then answered while being refreshed for ``stale_s`` seconds more."""

    def __init__(
        self,
        *,
        ttl_s: float,
        stale_s: float = 0.0,
        max_entries: int = 64,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s < 0 or stale_s < 0 or max_entries < 1:
            raise ValueError("ttl_s and stale_s must be >= 0 and max_entries >= 1")
        self.ttl_s = ttl_s
        self.stale_s = stale_s if ttl_s > 0 else 0.0
        self.max_entries = max_entries
        self._clock = clock
        self._values: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._flights: dict[K, asyncio.Task[V]] = {}
        self.computations = 0  # how many times a value was computed (for tests and metrics)

    def _cached(self, key: K) -> tuple[V, bool] | None:
        """``(value, fresh)``, or ``None`` when nothing usable is cached."""
        entry = self._values.get(key)
        if entry is None:
            return None
        age = self._clock() - entry[0]
        if age < self.ttl_s:
            return entry[1], True
        if age < self.ttl_s + self.stale_s:
            return entry[1], False
        del self._values[key]
        return None

    def _flight(self, key: K, compute: Callable[[], Awaitable[V]]) -> asyncio.Task[V]:
        flight = self._flights.get(key)
        if flight is None:
            self.computations += 1
            flight = asyncio.ensure_future(self._compute(key, compute))
            self._flights[key] = flight
            flight.add_done_callback(_retrieve)  # a failure nobody waits for any more is not "unretrieved"
        return flight

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The cached value of ``key``, or the result of the one running ``compute`` for it."""
        cached = self._cached(key)
        if cached is not None:
            value, fresh = cached
            if not fresh:
                self._flight(key, compute)  # refresh in the background; answer the stale value now
            return value
        return await asyncio.shield(self._flight(key, compute))

    async def _compute(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await compute()
            if self.ttl_s > 0:
                self._values[key] = (self._clock(), value)
                self._values.move_to_end(key)
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
            return value
        finally:
            self._flights.pop(key, None)

    def clear(self) -> None:
        self._values.clear()


def _retrieve(task: asyncio.Task[object]) -> None:
    if not task.cancelled():
        task.exception()
