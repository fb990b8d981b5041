"""The board cache: values live their TTL, concurrent misses share one computation, failures are not
kept, and a caller that goes away does not cancel the computation the others wait for."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from oddsstore.service.cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


async def test_a_value_lives_its_ttl_then_is_computed_again() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(ttl_s=2.0, clock=clock)
    calls: list[int] = []

    async def compute() -> int:
        calls.append(1)
        return len(calls) * 10

    first = await cache.get("k", compute)
    clock.t += 1.9
    second = await cache.get("k", compute)
    clock.t += 0.1  # 2.0 s after it was stored: expired
    third = await cache.get("k", compute)
    other = await cache.get("other", compute)
    assert (first, second, third, other) == (10, 10, 20, 30)
    assert cache.computations == 3


async def test_concurrent_misses_share_one_computation_and_failures_are_not_kept() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_s=0.0)  # no caching: single flight only
    started = 0
    gate = asyncio.Event()

    async def slow() -> int:
        nonlocal started
        started += 1
        await gate.wait()
        return 7

    waiters = [asyncio.ensure_future(cache.get("k", slow)) for _ in range(8)]
    await asyncio.sleep(0)
    waiters[0].cancel()  # one caller goes away; the rest still get the value
    gate.set()
    results = await asyncio.gather(*waiters[1:])
    assert results == [7] * 7 and started == 1

    async def broken() -> int:
        raise OSError("database down")

    with pytest.raises(OSError, match="database down"):
        await cache.get("k", broken)
    assert await cache.get("k", slow) == 7  # the failure was not kept
    assert cache.computations == 3


async def test_at_most_max_entries_are_kept() -> None:
    cache: TtlCache[int, int] = TtlCache(ttl_s=60.0, max_entries=2)
    seen: list[int] = []

    def compute(k: int) -> Callable[[], Awaitable[int]]:
        async def go() -> int:
            seen.append(k)
            return k

        return go

    for k in (1, 2, 3, 1):
        await cache.get(k, compute(k))
    assert seen == [1, 2, 3, 1]  # 1 was evicted by 3


async def test_a_stale_value_is_answered_at_once_while_one_refresh_runs() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(ttl_s=2.0, stale_s=2.0, clock=clock)
    gate = asyncio.Event()
    values = iter((1, 2, 3))

    async def compute() -> int:
        value = next(values)
        if value > 1:
            await gate.wait()
        return value

    assert await cache.get("k", compute) == 1
    clock.t += 2.5  # expired, within the stale window
    answers = [await cache.get("k", compute) for _ in range(5)]  # none waits for the refresh
    assert answers == [1] * 5 and cache.computations == 2  # one refresh started, not five
    gate.set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert await cache.get("k", compute) == 2  # the refresh landed, fresh again
    clock.t += 4.0  # past ttl + stale: nothing usable, the caller waits for a new value
    assert await cache.get("k", compute) == 3
