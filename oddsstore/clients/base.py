"""The mechanism shared by the three bookmaker clients.

:class:`HttpSite` does one site's HTTP: per-request timeouts, a cap on the body size, the site's
concurrency and pacing (:class:`SiteGate`), retries with exponential backoff and full jitter for transient
failures only (honouring ``Retry-After``) and a circuit breaker. The per-site clients only know their
paths, headers, envelope checks and discovery walks.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import aiohttp
import attrs
import orjson
from loguru import logger

from oddsstore.clients.settings import ClientSettings, SiteSettings
from oddsstore.errors import PermanentSiteError, SiteError, TransientSiteError, describe, retry_transient
from oddsstore.models import DiscoveredEvent, Platform

#: A check run on the decoded body; raises :class:`SiteError` (never retried) when the envelope is bad.
EnvelopeCheck = Callable[[Any, str], None]

_CHUNK = 64 * 1024


@attrs.frozen(slots=True)
class Discovery:
    """What one site's discovery found: its upcoming events and counters of how it went."""

    platform: Platform
    events: tuple[DiscoveredEvent, ...]
    counts: Mapping[str, int]
    elapsed_ms: int


@runtime_checkable
class SiteClient(Protocol):
    """One bookmaker: discovery of its upcoming football events and the raw JSON of one event."""

    @property
    def platform(self) -> Platform: ...

    async def discover(self) -> Discovery: ...

    async def fetch_event(self, platform_event_id: str) -> dict[str, Any]: ...


@attrs.define(slots=True)
class RequestStats:
    """Counters of one site's traffic over the client's life (read them; never reset by the client)."""

    requests: int = 0  # logical requests (one per call)
    attempts: int = 0  # HTTP attempts, retries included
    retries: int = 0
    failures: dict[str, int] = attrs.field(factory=dict)  # reason -> failed logical requests
    peak_in_flight: int = 0


class SiteGate:
    """Per-site concurrency (a semaphore), pacing between request starts and a circuit breaker."""

    def __init__(self, concurrency: int, min_interval_s: float, breaker_threshold: int) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._interval = min_interval_s
        self._pace_lock = asyncio.Lock()
        self._next_start = 0.0
        self._breaker_threshold = breaker_threshold
        self.consecutive_failures = 0
        self.open = False
        self.in_flight = 0
        self.peak_in_flight = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore:
            if self._interval > 0:
                async with self._pace_lock:
                    loop = asyncio.get_running_loop()
                    wait = self._next_start - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self._next_start = loop.time() + self._interval
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1

    def record(self, ok: bool) -> bool:
        """Record a finished request; returns True when this failure just opened the breaker."""
        if ok:
            self.consecutive_failures = 0
            return False
        self.consecutive_failures += 1
        if not self.open and self.consecutive_failures >= self._breaker_threshold:
            self.open = True
            return True
        return False


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds == float("inf"):
        return None
    return max(0.0, seconds)


class HttpSite:
    """One site's HTTP with limits, retries and the breaker. Shared by everything that calls the site."""

    def __init__(
        self,
        platform: Platform,
        session: aiohttp.ClientSession,
        settings: ClientSettings,
        *,
        headers: Mapping[str, str],
        throttle_statuses: frozenset[int] = frozenset({429}),
        rng: random.Random | None = None,
    ) -> None:
        self.platform = platform
        self.settings = settings
        self.site: SiteSettings = settings.site(platform)
        self._session = session
        self._headers = dict(headers)
        self._throttle = throttle_statuses
        self._rng = rng or random.Random()
        self._timeout = aiohttp.ClientTimeout(
            total=settings.total_timeout_s, sock_connect=settings.connect_timeout_s
        )
        self.gate = SiteGate(self.site.concurrency, self.site.min_interval_s, settings.breaker_threshold)
        self.stats = RequestStats()
        #: called with each HTTP attempt's seconds (sent to body read, or to its failure), e.g. a metric
        self.on_attempt: Callable[[float], None] | None = None

    def url(self, path: str) -> str:
        return f"{self.site.base_url}{path}"

    async def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        check: EnvelopeCheck | None = None,
        headers: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> Any:
        return await self.request_json("GET", path, params=params, check=check, headers=headers, label=label)

    async def post_json(
        self,
        path: str,
        body: Any,
        *,
        params: Mapping[str, str] | None = None,
        check: EnvelopeCheck | None = None,
        headers: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> Any:
        return await self.request_json(
            "POST", path, params=params, json_body=body, check=check, headers=headers, label=label
        )

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        check: EnvelopeCheck | None = None,
        headers: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> Any:
        """One logical request: attempts with retries of transient failures; the decoded, checked body.

        ``label`` names the request in errors and logs (default: method, path and the identifying query
        parameters; never headers, cache busters or other noise).
        """
        label = label or request_label(method, path, params)
        self.stats.requests += 1
        attempts = 0

        async def attempt() -> Any:
            nonlocal attempts
            if self.gate.open:
                paused = "site paused after repeated failures"
                raise PermanentSiteError(self.platform, label, "circuit_open", paused, attempts=attempts)
            attempts += 1
            try:
                body = await self._attempt(method, path, label, params, json_body, headers)
                if check is not None:
                    check(body, label)
            except SiteError as exc:
                exc.attempts = attempts
                raise
            return body

        def retried(failed: int, exc: BaseException, delay: float) -> None:
            self.stats.retries += 1
            reason = exc.reason if isinstance(exc, SiteError) else type(exc).__name__
            logger.debug("{} ({}); retry {} in {:.3f}s", exc, reason, failed, delay)

        try:
            body = await retry_transient(
                attempt,
                self.settings.retry_policy,
                transient=lambda exc: isinstance(exc, TransientSiteError),
                on_retry=retried,
                rng=self._rng,
            )
        except SiteError as exc:
            if exc.reason == "circuit_open":
                self._count_failure(exc)
            else:
                self._finish(exc)
            raise
        self._finish(None)
        return body

    def _finish(self, error: SiteError | None) -> None:
        if error is not None:
            self._count_failure(error)
        # a 404 is a sound answer from a working site: it neither trips nor resets the breaker
        if error is not None and error.reason == "not_found":
            return
        if self.gate.record(error is None):
            logger.warning(
                "{}: circuit open after {} consecutive failures; last: {}",
                self.platform.value,
                self.gate.consecutive_failures,
                error,
            )

    def _count_failure(self, error: SiteError) -> None:
        self.stats.failures[error.reason] = self.stats.failures.get(error.reason, 0) + 1

    async def _attempt(
        self,
        method: str,
        path: str,
        label: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
    ) -> Any:
        all_headers = self._headers if headers is None else {**self._headers, **headers}
        async with self.gate.slot():
            self.stats.attempts += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.gate.in_flight)
            started = time.perf_counter()
            try:
                async with self._session.request(
                    method,
                    self.url(path),
                    params=params,
                    data=None if json_body is None else orjson.dumps(json_body),
                    headers=all_headers,
                    timeout=self._timeout,
                    allow_redirects=False,
                    raise_for_status=False,  # statuses are ours to classify, whatever the host's session says
                ) as response:
                    self._check_status(response, label)
                    raw = await self._read_capped(response, label)
            except TimeoutError as exc:
                raise TransientSiteError(self.platform, label, "timeout", describe(exc)) from exc
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                raise TransientSiteError(self.platform, label, "connection", describe(exc)) from exc
            finally:
                if self.on_attempt is not None:
                    self.on_attempt(time.perf_counter() - started)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise PermanentSiteError(self.platform, label, "malformed_json", str(exc)[:200]) from exc

    def _check_status(self, response: aiohttp.ClientResponse, label: str) -> None:
        status = response.status
        if status == 200:
            return
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in self._throttle:
            raise TransientSiteError(
                self.platform, label, "throttled", f"HTTP {status}", status=status, retry_after_s=retry_after
            )
        if status == 404:
            raise PermanentSiteError(self.platform, label, "not_found", "HTTP 404", status=status)
        if status >= 500:
            raise TransientSiteError(
                self.platform,
                label,
                f"http_{status}",
                f"HTTP {status}",
                status=status,
                retry_after_s=retry_after,
            )
        raise PermanentSiteError(self.platform, label, f"http_{status}", f"HTTP {status}", status=status)

    async def _read_capped(self, response: aiohttp.ClientResponse, label: str) -> bytes:
        cap = self.settings.max_body_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            raise PermanentSiteError(
                self.platform, label, "too_large", f"Content-Length {declared} > cap {cap} bytes"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise PermanentSiteError(self.platform, label, "too_large", f"body over cap {cap} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


_NOISE_PARAMS = frozenset({"_t", "v_cache_version", "q", "productId", "DISP", "timeline"})


def request_label(method: str, path: str, params: Mapping[str, str] | None = None) -> str:
    """``GET /path?EVENTID=1``: the request as errors name it (identifying query parameters only)."""
    shown = [f"{k}={v}" for k, v in (params or {}).items() if k not in _NOISE_PARAMS]
    return f"{method} {path}?{'&'.join(shown)}" if shown else f"{method} {path}"
