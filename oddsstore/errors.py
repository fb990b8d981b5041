"""One vocabulary of failures and one way to retry them.

- **Site errors** (:class:`SiteError`, :class:`TransientSiteError`, :class:`PermanentSiteError`): every
  failed request to a bookmaker, with a short stable ``reason`` slug that callers record and count:
  ``timeout``, ``connection``, ``http_503`` (any ``http_<status>``), ``throttled``, ``not_found``,
  ``bad_envelope``, ``malformed_json``, ``bad_payload``, ``too_large``, ``no_events``, ``circuit_open``.
- **Transient database errors** (:data:`TRANSIENT_DB_ERRORS`): what a new connection, now or a little
  later, may cure. Anything else from the database (a constraint violation, a bug) is not retried;
  :data:`DB_FAILURES` is both: any failure of a database call.
- :func:`describe`: ``Type: message`` of any exception, for status rows, run rows and logs.
- :func:`retry_transient`: the one retry mechanism (HTTP requests, storing a batch, finishing a run,
  replay), built on tenacity: transient failures only, exponential back-off with optional full jitter,
  a server's ``Retry-After`` honoured (an error may carry it as ``retry_after_s``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import attrs
import tenacity

from oddsstore.models import Platform

T = TypeVar("T")

__all__ = [
    "DB_FAILURES",
    "TRANSIENT_DB_ERRORS",
    "PermanentSiteError",
    "RetryPolicy",
    "SiteError",
    "TransientSiteError",
    "describe",
    "is_transient",
    "is_transient_db_error",
    "retry_transient",
]


# --- site errors ----------------------------------------------------------------------------------------


class SiteError(Exception):
    """A request to one bookmaker failed (after any retries). The message names the site, the request
    (method and path, never headers or secrets) and the cause."""

    def __init__(
        self,
        platform: Platform,
        request: str,
        reason: str,
        detail: str = "",
        *,
        attempts: int = 1,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(platform, request, reason, detail)
        self.platform = platform
        self.request = request
        self.reason = reason
        self.detail = detail
        self.attempts = attempts
        self.status = status
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        cause = f"{self.reason}: {self.detail}" if self.detail else self.reason
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.platform.value} {self.request} failed{tries}: {cause}"

    @property
    def transient(self) -> bool:
        return isinstance(self, TransientSiteError)


class TransientSiteError(SiteError):
    """A failure worth retrying: timeout, connection error, 5xx, 429, Bet9ja 403 throttling."""


class PermanentSiteError(SiteError):
    """A failure that a retry would not fix: 404, bad envelope, unparsable or oversized body, ..."""


# --- database errors ------------------------------------------------------------------------------------

#: Errors after which a new connection (now or later) may succeed.
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable (ConnectionError is one)
    TimeoutError,  # connect, acquire or client-side statement timeout
    asyncpg.InterfaceError,  # the connection closed under us
    # a pooled connection whose backend was terminated while it sat idle fails its next BEGIN with
    # "cannot switch to state ...; another operation is in progress": it is broken, a new one is not
    asyncpg.exceptions.InternalClientError,
    asyncpg.PostgresConnectionError,  # class 08: connection exceptions
    asyncpg.OperatorInterventionError,  # class 57: terminated backend, shutdown, statement timeout
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,  # the server is starting up or shutting down
)

#: Any failure of a database call: refused by the server (a constraint, a bad statement) or unavailable.
DB_FAILURES: tuple[type[BaseException], ...] = (asyncpg.PostgresError, *TRANSIENT_DB_ERRORS)


def is_transient_db_error(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_DB_ERRORS)


def is_transient(exc: BaseException) -> bool:
    """A site error worth retrying, or a transient database error."""
    return isinstance(exc, TransientSiteError) or is_transient_db_error(exc)


def describe(exc: BaseException, limit: int = 500) -> str:
    """``Type: message`` of an exception (the first of a group), cut to ``limit`` characters."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:limit]


# --- retrying -------------------------------------------------------------------------------------------


def _at_least_one(value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"attempts must be None or >= 1, not {value}")


@attrs.frozen(slots=True, kw_only=True)
class RetryPolicy:
    """How often and how far apart a transient failure is tried again.

    The pause before retry ``n`` (1-based) is ``min(max_s, base_s * 2 ** (n - 1))``, drawn uniformly
    from ``[0, that]`` with ``jitter`` (full jitter); ``immediate_first`` makes the first retry start at
    once (a new connection may be all it takes). A server's hint (``retry_after_s`` on the error) is
    honoured up to ``hint_max_s``. ``attempts`` ``None`` tries until cancelled.
    """

    attempts: int | None = attrs.field(default=3, validator=lambda _s, _a, v: _at_least_one(v))
    base_s: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_s: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))
    jitter: bool = True
    immediate_first: bool = False
    hint_max_s: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))

    def pause(self, retry: int, exc: BaseException | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (1-based) after ``exc``."""
        if self.immediate_first:
            if retry == 1:
                return 0.0
            retry -= 1
        cap = min(self.max_s, self.base_s * 2 ** (retry - 1))
        delay = rng.uniform(0.0, cap) if self.jitter else cap
        hint = getattr(exc, "retry_after_s", None)
        if isinstance(hint, int | float):
            delay = max(delay, min(float(hint), self.hint_max_s))
        return float(delay)


#: Called before each pause: (attempt that failed, its error, seconds until the next attempt).
OnRetry = Callable[[int, BaseException, float], None]


async def retry_transient(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    transient: Callable[[BaseException], bool] = is_transient,
    on_retry: OnRetry | None = None,
    rng: random.Random | None = None,
) -> T:
    """Await ``call()`` until it succeeds, a non-transient error is raised, or ``policy.attempts`` ran
    out; the last error is raised as it is. Cancellation is never retried."""
    draw = rng or random.Random()

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return policy.pause(state.attempt_number, exc, draw)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is None or state.outcome is None:
            return
        exc = state.outcome.exception()
        if exc is not None:
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            on_retry(state.attempt_number, exc, delay)

    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_never if policy.attempts is None else tenacity.stop_after_attempt(policy.attempts),
        wait=wait,
        retry=tenacity.retry_if_exception(transient),
        before_sleep=before_sleep,
        reraise=True,
        sleep=asyncio.sleep,
    )

    async def attempt() -> T:  # tenacity awaits coroutine functions only
        return await call()

    try:
        return await retrying(attempt)
    finally:
        # tenacity's per-call state holds bound methods of the retrying object: a reference cycle that
        # would keep ``call`` and what it closes over (a whole batch, a payload) alive until the next
        # full garbage collection, which a tuned collector (cli/_tuning.py) runs rarely.
        retrying.iter_state.reset()
