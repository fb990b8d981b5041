"""A small cache for answers that many clients ask for at once (the board): values live ``ttl_s``
seconds, and concurrent requests for a key that is not cached share one computation (single flight).

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
    """Up to ``max_entries`` values, each for ``ttl_s`` seconds (``0``: no caching, single flight only)."""

    def __init__(
        self, *, ttl_s: float, max_entries: int = 64, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ttl_s < 0 or max_entries < 1:
            raise ValueError("ttl_s must be >= 0 and max_entries >= 1")
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._values: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._flights: dict[K, asyncio.Task[V]] = {}
        self.computations = 0  # how many times a value was computed (for tests and metrics)

    def _fresh(self, key: K) -> tuple[bool, V | None]:
        entry = self._values.get(key)
        if entry is None:
            return False, None
        if self._clock() - entry[0] >= self.ttl_s:
            del self._values[key]
            return False, None
        return True, entry[1]

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The cached value of ``key``, or the result of the one running ``compute`` for it."""
        hit, value = self._fresh(key)
        if hit:
            return value  # type: ignore[return-value]
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._compute(key, compute))
            self._flights[key] = flight
            flight.add_done_callback(_retrieve)  # a failure nobody waits for any more is not "unretrieved"
        return await asyncio.shield(flight)

    async def _compute(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        try:
            self.computations += 1
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
