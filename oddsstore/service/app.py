"""A small aiohttp app that runs cycles and streams their progress as Server-Sent Events.

Routes (mount them on your own app with :meth:`CycleService.add_routes`, or run :func:`create_app`):

- ``POST /cycles``: start a cycle; ``202 {"run_id", "events_url", "run_url"}``, or ``409`` while this
  service already runs one (a cycle started elsewhere on the same database ends ``CYCLE_SKIPPED``);
- ``GET /cycles/{run_id}/events``: the run's progress as SSE, from its first event (late readers get a
  replay) until its terminal event; ``404`` for a run this process is not running or did not run lately;
- ``GET /runs/{run_id}``: the run row and its status counts as JSON (any run in the database).

Answers for a hostile client: ``404`` for an id no run can have (out of bigint range), ``503`` with a
JSON reason while the database is unavailable, and an SSE reader that goes away ends its stream quietly.
:class:`AccessPolicy` guards every request: the ``Host`` header must name the bound address (no DNS
rebinding), ``POST`` needs ``Authorization: Bearer TOKEN`` when a token is set (and always beyond
loopback, where ``GET`` needs it too) and a JSON body (``Content-Type: application/json``, so a browser
cannot send one cross-origin without a CORS preflight, which this app never grants).

The comparison reads (``/api/board``, ``/api/events/...``, the CSV export, the web pages) are in
:mod:`oddsstore.service.api` and :mod:`oddsstore.service.pages`, registered by :func:`create_app`.

The host owns the pool and, if it wants, the aiohttp session; each cycle opens its own clients on that
session (fresh limits and circuit breakers per cycle).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import attrs
import orjson
from aiohttp import web
from loguru import logger

from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.cycle.host import StopRequest
from oddsstore.cycle.metrics import CycleMetrics
from oddsstore.errors import DB_FAILURES, TRANSIENT_DB_ERRORS
from oddsstore.models import ALL_PLATFORMS, Platform, RunStatus
from oddsstore.progress import TERMINAL_TYPES, CycleFailed, ProgressEvent
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.service.api import ReadsSettings, add_read_routes
from oddsstore.service.reports import load_report
from oddsstore.service.responses import REQUEST_DB_TIMEOUT_S as _REQUEST_DB_TIMEOUT_S
from oddsstore.service.responses import json_response as _json
from oddsstore.service.responses import unavailable as _unavailable

SERVICE_KEY = web.AppKey("oddsstore_cycle_service", object)

# How long the service waits for the database when it closes a run its cycle left open.
_CLOSE_TIMEOUT_S = 10.0
_MAX_RUN_ID = 2**63 - 1
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_SHUTDOWN = "cancelled: the service shut down"
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names of "every interface", not a bind


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@attrs.frozen(slots=True)
class AccessPolicy:
    """Who may call the service: ``bound_host`` is the address it listens on; ``token`` (if any) is
    required as ``Authorization: Bearer TOKEN`` for ``POST``, and for every request beyond loopback;
    ``allowed_hosts`` are further names a ``Host`` header may carry (a DNS name of the machine)."""

    token: str | None = None
    bound_host: str = "127.0.0.1"
    allowed_hosts: frozenset[str] = frozenset()

    @property
    def loopback(self) -> bool:
        return is_loopback(self.bound_host)

    def host_allowed(self, header_host: str | None) -> bool:
        if self.bound_host in _WILDCARDS:  # every interface: names unknown, the token guards
            return True
        name = _host_name(header_host or "")
        allowed = {self.bound_host.strip("[]").lower(), *(h.lower() for h in self.allowed_hosts)}
        if self.loopback:
            allowed |= _LOOPBACK_NAMES
        return name in allowed

    def authorized(self, request: web.Request) -> bool:
        if self.token is None:
            return False
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token.encode())

    def needs_token(self, request: web.Request) -> bool:
        """Beyond loopback every request; on loopback a POST when a token is set (GETs stay open)."""
        if not self.loopback:
            return True
        return self.token is not None and request.method not in ("GET", "HEAD")


def _host_name(header: str) -> str:
    """The host of a ``Host`` header, without its port (``[::1]:8080`` -> ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def access_middleware(policy: AccessPolicy) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        if not policy.host_allowed(request.headers.get("Host")):
            return _json({"error": "this Host is not served here"}, 421)
        if policy.needs_token(request) and not policy.authorized(request):
            return web.Response(
                body=orjson.dumps({"error": "a bearer token is required"}),
                status=401,
                content_type="application/json",
                headers={"WWW-Authenticate": "Bearer"},
            )
        response: web.StreamResponse = await handler(request)
        return response

    return guard


def _run_id(request: web.Request) -> int | None:
    """The ``run_id`` of the path, or ``None`` if no run can have it (out of bigint range)."""
    run_id = int(request.match_info["run_id"])
    return run_id if 1 <= run_id <= _MAX_RUN_ID else None


class CycleAlreadyRunning(RuntimeError):
    """This service already runs a cycle (its run id is ``run_id``)."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"a cycle is already running (run {run_id})")
        self.run_id = run_id


class RunStream:
    """Every progress event of one run, kept so a late reader gets them all, then live ones."""

    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []
        self.done = False
        self._changed = asyncio.Condition()

    async def publish(self, event: ProgressEvent | None) -> None:
        async with self._changed:
            if event is None:
                self.done = True
            else:
                self.events.append(event)
                self.done = self.done or event.type in TERMINAL_TYPES
            self._changed.notify_all()

    async def _wait_past(self, seen: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.done or len(self.events) > seen)

    @property
    def ended(self) -> bool:
        """Whether a terminal event was published."""
        return any(event.type in TERMINAL_TYPES for event in self.events)

    async def follow(self) -> AsyncIterator[ProgressEvent]:
        seen = 0
        while True:
            while seen < len(self.events):
                seen += 1
                yield self.events[seen - 1]
            if self.done:
                return
            await self._wait_past(seen)


class CycleService:
    """Starts cycles on ``pool`` and keeps the progress of the last ``keep_runs`` runs for streaming."""

    def __init__(
        self,
        pool: asyncpg.Pool[Any],
        client_settings: ClientSettings,
        *,
        platforms: tuple[Platform, ...] = ALL_PLATFORMS,
        coordinator_settings: CoordinatorSettings | None = None,
        session: aiohttp.ClientSession | None = None,
        keep_runs: int = 20,
    ) -> None:
        self.pool = pool
        self.client_settings = client_settings
        self.platforms = platforms
        self.coordinator_settings = coordinator_settings or CoordinatorSettings(trigger="api")
        self.session = session
        self.keep_runs = keep_runs
        self.streams: OrderedDict[int, RunStream] = OrderedDict()
        self.current: tuple[int, asyncio.Task[None]] | None = None
        self._starting = asyncio.Lock()  # check-and-reserve of ``current`` spans an await
        #: how a shutdown stops the running cycle (a host that got a signal sets its reason here)
        self.stop_request = StopRequest(reason=_SHUTDOWN)
        self.metrics: CycleMetrics | None = None  # fed by every cycle when set (see service.health)

    def add_routes(self, app: web.Application, prefix: str = "") -> None:
        app.router.add_post(f"{prefix}/cycles", self.post_cycle)
        app.router.add_get(f"{prefix}/cycles/{{run_id:\\d+}}/events", self.get_events)
        app.router.add_get(f"{prefix}/runs/{{run_id:\\d+}}", self.get_run)
        app.on_shutdown.append(self._on_shutdown)

    # --- running cycles -----------------------------------------------------------------------------

    async def start_cycle(self) -> int:
        """Create a run row and start its cycle in the background; returns the run id.

        Raises :class:`CycleAlreadyRunning` while this service runs one.
        """
        async with self._starting:
            if self.current is not None:
                raise CycleAlreadyRunning(self.current[0])
            return await self._start_cycle()

    async def _start_cycle(self) -> int:
        async with asyncio.timeout(_REQUEST_DB_TIMEOUT_S), self.pool.acquire() as conn:
            run = await ScrapeRunsRepository(conn).create(trigger=self.coordinator_settings.trigger)
        stream = RunStream()
        self.streams[run.id] = stream
        while len(self.streams) > self.keep_runs:
            oldest = next(iter(self.streams))
            if self.current is not None and self.current[0] == oldest:
                break
            self.streams.popitem(last=False)
        task = asyncio.create_task(self._run(run.id, stream), name=f"oddsstore-cycle-{run.id}")
        self.current = (run.id, task)
        return run.id

    async def _run(self, run_id: int, stream: RunStream) -> None:
        started = time.monotonic()
        reason = "cancelled before the cycle finished"
        try:
            async with open_clients(self.client_settings, self.session, platforms=self.platforms) as clients:
                coordinator = EventCoordinator(clients, self.coordinator_settings)
                if self.metrics is not None:
                    self.metrics.watch_clients(clients)
                after_stop = self.metrics.observe if self.metrics is not None else None
                cycle = coordinator.run_full_cycle(self.pool, run_id, after_stop=after_stop)
                async with contextlib.aclosing(cycle) as progress:
                    async for event in progress:
                        if self.metrics is not None:
                            self.metrics.observe(event)
                        await stream.publish(event)
            reason = "the cycle ended without a final event"
        except Exception as exc:
            logger.opt(exception=exc).error("cycle {} crashed", run_id)
            reason = f"cycle crashed: {type(exc).__name__}: {exc}"
        finally:
            closing = asyncio.ensure_future(self._close_run(run_id, stream, reason, started))
            try:
                await asyncio.shield(closing)
            except asyncio.CancelledError:
                await closing
                raise

    async def _close_run(self, run_id: int, stream: RunStream, reason: str, started: float) -> None:
        """Give a run that has no terminal event one: fail its row if still ``running``, publish
        ``CYCLE_FAILED``, end the stream and free the service for the next cycle. Idempotent."""
        try:
            if not stream.ended:
                await stream.publish(await self._fail_run(run_id, reason, started))
        finally:
            await stream.publish(None)
            if self.current is not None and self.current[0] == run_id:
                self.current = None

    async def _fail_run(self, run_id: int, reason: str, started: float) -> CycleFailed:
        run = None
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT_S), self.pool.acquire() as conn:
                runs = ScrapeRunsRepository(conn)
                run = await runs.get(run_id=run_id)
                if run is not None and run.status is RunStatus.RUNNING:
                    run = await runs.finish(run_id=run_id, status=RunStatus.FAILED, error=reason)
        except DB_FAILURES as exc:
            logger.error("run {} could not be marked failed ({}): it stays 'running'", run_id, exc)
        if run is not None and run.error:
            reason = run.error
        return CycleFailed(
            run_id=run_id,
            error=reason,
            events_total=run.events_total if run else 0,
            events_scraped=run.events_scraped if run else 0,
            events_failed=run.events_failed if run else 0,
            snapshots_created=run.snapshots_created if run else 0,
            markets_stored=run.markets_stored if run else 0,
            total_ms=int((time.monotonic() - started) * 1000),
        )

    async def _on_shutdown(self, _app: web.Application) -> None:
        if self.current is not None:
            run_id, task = self.current
            task.cancel(self.stop_request)
            with contextlib.suppress(asyncio.CancelledError):
                await task
            stream = self.streams.get(run_id)
            if stream is not None:  # a task cancelled before it ran never reached its ``finally``
                reason = "cancelled before the cycle started"
                if self.stop_request.reason != _SHUTDOWN:
                    reason = f"{self.stop_request.reason} before the cycle started"
                await self._close_run(run_id, stream, reason, time.monotonic())

    # --- handlers -----------------------------------------------------------------------------------

    async def post_cycle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _json({"error": "POST /cycles takes a JSON body (Content-Type: application/json)"}, 415)
        raw = await request.read()
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            return _json({"error": "the body is not valid JSON"}, 400)
        if not isinstance(body, dict):
            return _json({"error": "the body must be a JSON object"}, 400)
        try:
            run_id = await self.start_cycle()
        except CycleAlreadyRunning as busy:
            return _json({"error": "a cycle is already running", "run_id": busy.run_id}, status=409)
        except TRANSIENT_DB_ERRORS as exc:
            return _unavailable(exc)
        return _json(
            {"run_id": run_id, "events_url": f"/cycles/{run_id}/events", "run_url": f"/runs/{run_id}"},
            status=202,
        )

    async def get_events(self, request: web.Request) -> web.StreamResponse:
        run_id = _run_id(request)
        stream = self.streams.get(run_id) if run_id is not None else None
        if stream is None:
            return _json({"error": f"no progress stream for run {run_id} here; see /runs/{run_id}"}, 404)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        try:
            async for event in stream.follow():
                await response.write(event.to_sse().encode())
            await response.write_eof()
        except ConnectionError:  # the reader went away: nothing to say about it but a debug line
            logger.debug("SSE reader of run {} disconnected", run_id)
        return response

    async def get_run(self, request: web.Request) -> web.Response:
        run_id = _run_id(request)
        if run_id is None:
            return _json({"error": "no such scrape run"}, 404)
        try:
            async with asyncio.timeout(_REQUEST_DB_TIMEOUT_S), self.pool.acquire() as conn:
                report = await load_report(conn, run_id)
        except TRANSIENT_DB_ERRORS as exc:
            return _unavailable(exc)
        if report is None:
            return _json({"error": f"no scrape run {run_id}"}, 404)
        return _json(report.to_dict())


def create_app(
    pool: asyncpg.Pool[Any],
    client_settings: ClientSettings,
    *,
    platforms: tuple[Platform, ...] = ALL_PLATFORMS,
    coordinator_settings: CoordinatorSettings | None = None,
    session: aiohttp.ClientSession | None = None,
    access: AccessPolicy | None = None,
    reads: ReadsSettings | None = None,
) -> web.Application:
    """An app serving the routes above and the comparison reads (``service.api``, ``service.pages``;
    ``reads``: their board cache), guarded by ``access`` (default: bound to loopback, no token); the
    service is at ``app[SERVICE_KEY]``."""
    app = web.Application(middlewares=[access_middleware(access or AccessPolicy())])
    service = CycleService(
        pool,
        client_settings,
        platforms=platforms,
        coordinator_settings=coordinator_settings,
        session=session,
    )
    service.add_routes(app)
    add_read_routes(app, pool, reads)
    app[SERVICE_KEY] = service
    return app
