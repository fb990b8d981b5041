"""The one retry mechanism (``oddsstore.errors.retry_transient``) and its pauses, without any I/O."""

from __future__ import annotations

import asyncio
import gc
import random
import weakref

import asyncpg
import pytest

from oddsstore.errors import (
    PermanentSiteError,
    RetryPolicy,
    TransientSiteError,
    describe,
    is_transient,
    retry_transient,
)
from oddsstore.models import Platform


class Flaky:
    """Fails with the given errors in turn, then returns the number of calls."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.calls


def transient(retry_after_s: float | None = None) -> TransientSiteError:
    return TransientSiteError(Platform.BET9JA, "GET /x", "http_503", retry_after_s=retry_after_s)


FAST = RetryPolicy(attempts=4, base_s=0.0, max_s=0.0)


async def test_transient_failures_are_retried_until_success() -> None:
    call = Flaky(transient(), ConnectionResetError("reset"), asyncpg.InterfaceError("closed"))
    assert await retry_transient(call, FAST) == 4
    assert call.calls == 4


async def test_a_permanent_failure_is_raised_at_once() -> None:
    call = Flaky(PermanentSiteError(Platform.BET9JA, "GET /x", "not_found"))
    with pytest.raises(PermanentSiteError):
        await retry_transient(call, FAST)
    assert call.calls == 1


async def test_a_constraint_violation_is_not_retried() -> None:
    call = Flaky(asyncpg.UniqueViolationError("duplicate key"))
    with pytest.raises(asyncpg.UniqueViolationError):
        await retry_transient(call, FAST)
    assert call.calls == 1
    assert not is_transient(asyncpg.UniqueViolationError("x"))


async def test_the_last_error_is_raised_when_attempts_run_out_and_each_retry_is_reported() -> None:
    errors = [transient() for _ in range(5)]
    call = Flaky(*errors)
    seen: list[tuple[int, BaseException]] = []
    with pytest.raises(TransientSiteError) as raised:
        await retry_transient(call, FAST, on_retry=lambda n, exc, _d: seen.append((n, exc)))
    assert call.calls == 4
    assert raised.value is errors[3]
    assert [n for n, _ in seen] == [1, 2, 3]
    assert [exc for _, exc in seen] == errors[:3]


async def test_cancellation_is_never_retried() -> None:
    call = Flaky(asyncio.CancelledError())
    with pytest.raises(asyncio.CancelledError):
        await retry_transient(call, FAST)
    assert call.calls == 1


def test_full_jitter_stays_under_the_doubling_cap() -> None:
    policy = RetryPolicy(attempts=None, base_s=0.5, max_s=4.0, jitter=True)
    rng = random.Random(7)
    for retry in range(1, 9):
        cap = min(4.0, 0.5 * 2 ** (retry - 1))
        draws = [policy.pause(retry, None, rng) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in draws)
        assert max(draws) > cap * 0.8  # the whole range is used, not a fixed delay
        assert min(draws) < cap * 0.2


def test_without_jitter_the_pause_doubles_and_immediate_first_starts_at_once() -> None:
    rng = random.Random(0)
    plain = RetryPolicy(base_s=0.2, max_s=1.0, jitter=False)
    assert [plain.pause(n, None, rng) for n in (1, 2, 3, 4)] == [0.2, 0.4, 0.8, 1.0]
    eager = RetryPolicy(base_s=0.2, max_s=1.0, jitter=False, immediate_first=True)
    assert [eager.pause(n, None, rng) for n in (1, 2, 3)] == [0.0, 0.2, 0.4]


def test_a_servers_retry_after_is_honoured_up_to_its_cap() -> None:
    policy = RetryPolicy(base_s=0.1, max_s=0.1, jitter=False, hint_max_s=5.0)
    rng = random.Random(0)
    assert policy.pause(1, transient(retry_after_s=2.5), rng) == 2.5
    assert policy.pause(1, transient(retry_after_s=600.0), rng) == 5.0
    assert policy.pause(1, transient(retry_after_s=None), rng) == 0.1


async def test_the_pause_is_slept_between_attempts() -> None:
    policy = RetryPolicy(attempts=2, base_s=0.2, max_s=0.2, jitter=False)
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await retry_transient(Flaky(transient()), policy) == 2
    assert loop.time() - start >= 0.19


def test_describe_names_the_type_and_the_first_error_of_a_group() -> None:
    assert describe(ValueError("bad line")) == "ValueError: bad line"
    assert describe(TimeoutError()) == "TimeoutError: TimeoutError"
    group = ExceptionGroup("two", [KeyError("k"), ValueError("v")])
    assert describe(group) == "KeyError: 'k'"
    assert describe(ValueError("x" * 100), limit=20) == ("ValueError: " + "x" * 100)[:20]


async def test_nothing_the_call_closes_over_outlives_it_without_a_garbage_collection() -> None:
    # tenacity's state is a reference cycle; with the collector tuned down (cli/_tuning.py) it would
    # keep every batch and payload a retried call closed over alive until a rare full collection.
    class Payload:
        pass

    alive: list[weakref.ref[Payload]] = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for failures in (0, 1):
            payload = Payload()
            alive.append(weakref.ref(payload))
            calls = Flaky(*[transient() for _ in range(failures)])

            async def call(held: Payload = payload, calls: Flaky = calls) -> Payload:
                await calls()
                return held

            def noticed(_n: int, _e: BaseException, _d: float, held: Payload = payload) -> None:
                assert held is not None

            result = await retry_transient(call, FAST, on_retry=noticed)
            assert result is payload
            del result, payload, call, noticed
        assert [ref() is None for ref in alive] == [True, True]
    finally:
        if was_enabled:
            gc.enable()
