"""The aiohttp.web app imitating the three sites on loopback, and ``run_simulator`` to start it.

Each site lives under a path prefix (``/betpawa``, ``/sportybet``, ``/bet9ja``) followed by the real
paths, so a client's base URL is ``http://127.0.0.1:PORT/<site>``. Control endpoints: ``GET /_sim/stats``,
``GET /_sim/board``, ``POST /_sim/config``, ``POST /_sim/advance``, ``POST /_sim/reset``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from oddsstore.devtools.simulator import faults as fault_bodies
from oddsstore.devtools.simulator import listings
from oddsstore.devtools.simulator.board import Board
from oddsstore.devtools.simulator.bodies import bet9ja_event, betpawa_event, sportybet_event
from oddsstore.devtools.simulator.faults import FaultConfig
from oddsstore.devtools.simulator.state import SimulatorConfig, SimulatorState, SiteStats
from oddsstore.models import ALL_PLATFORMS, Platform

STATE: web.AppKey[SimulatorState] = web.AppKey("state", SimulatorState)
_PAD = b" " * 65536


class _Unknown(Exception):
    """The requested event does not exist: each site answers in its own way."""


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def _unknown_event(platform: Platform) -> web.Response:
    if platform is Platform.BETPAWA:
        return _json({"error": "NOT_FOUND"}, status=404)
    if platform is Platform.SPORTYBET:
        return _json({"bizCode": 4000, "message": "The event does not exist", "data": None})
    return _json({"R": "E", "D": {}})


async def _serve(
    request: web.Request, platform: Platform, endpoint: str, build: Callable[[SimulatorState], Any]
) -> web.StreamResponse:
    state = request.app[STATE]
    stats = state.stats[platform]
    faults = state.faults[platform]
    stats.requests[endpoint] += 1
    stats.in_flight += 1
    stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
    try:
        return await _answer(request, state, platform, endpoint, build, stats, faults)
    finally:
        stats.in_flight -= 1


async def _answer(
    request: web.Request,
    state: SimulatorState,
    platform: Platform,
    endpoint: str,
    build: Callable[[SimulatorState], Any],
    stats: SiteStats,
    faults: FaultConfig,
) -> web.StreamResponse:
    if faults.down:
        stats.faults["down"] += 1
        return _drop(request)
    profile = state.config.latency[platform]
    delay = profile.sample_s(state.rng, stats.in_flight, state.time_scale)
    if platform is Platform.BET9JA and stats.in_flight > state.config.bet9ja_max_in_flight:
        stats.throttled += 1
        stats.statuses[403] += 1
        await asyncio.sleep(delay / 4)
        return _json({"message": "Forbidden"}, status=403)
    kind = faults.pick(state.rng, endpoint, state.injected[platform])
    if kind is not None:
        state.injected[platform] += 1
        stats.faults[kind] += 1
    await asyncio.sleep(delay)
    if kind == "timeout":
        await asyncio.sleep(faults.hang_s)
    elif kind == "reset":
        return _drop(request)
    elif kind in ("http_500", "http_503", "http_429"):
        status = int(kind[5:])
        headers = {} if faults.retry_after_s is None else {"Retry-After": f"{faults.retry_after_s:g}"}
        stats.statuses[status] += 1
        return web.Response(text=f"error {status}", status=status, headers=headers)
    elif kind == "oversize":
        stats.statuses[200] += 1
        return await _oversize(request, faults.oversize_bytes)
    elif kind == "bad_envelope":
        stats.statuses[200] += 1
        return _json(fault_bodies.bad_envelope(platform))
    try:
        body = build(state)
    except _Unknown:
        response = _unknown_event(platform)
        stats.statuses[response.status] += 1
        return response
    if kind == "missing_keys":
        body = fault_bodies.drop_keys(platform, endpoint, body)
    raw = orjson.dumps(body)
    if kind == "malformed_json":
        raw = raw[: max(1, len(raw) // 2)]
    stats.statuses[200] += 1
    return web.Response(body=raw, content_type="application/json")


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer (a site that is down or resets connections)."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError


async def _oversize(request: web.Request, size: int) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    written = 0
    with suppress(ConnectionError):
        await response.write(b'{"padding":"')
        while written < size:
            await response.write(_PAD)
            written += len(_PAD)
        await response.write(b'"}')
        await response.write_eof()
    return response


def _event_or_unknown(board: Board, platform: Platform, event_id: str) -> Any:
    event = board.event(platform, event_id)
    if event is None:
        raise _Unknown(event_id)
    return event


# --- site routes -------------------------------------------------------------------------------------


def _betpawa_refusal(request: web.Request) -> web.Response | None:
    """BetPawa wants its brand header; without ``Accept: application/json`` v4 lists answer protobuf."""
    if not request.headers.get("x-pawa-brand"):
        return _json({"error": "BRAND_REQUIRED"}, status=400)
    if "application/json" not in request.headers.get("Accept", ""):
        return web.Response(body=b"\x0a\x02\x08\x01", content_type="application/x-protobuf")
    return None


async def betpawa_tree(request: web.Request) -> web.StreamResponse:
    refusal = _betpawa_refusal(request)
    if refusal is not None:
        return refusal
    return await _serve(request, Platform.BETPAWA, "tree", lambda s: listings.betpawa_tree(s.board))


async def betpawa_list(request: web.Request) -> web.StreamResponse:
    refusal = _betpawa_refusal(request)
    if refusal is not None:
        return refusal
    try:
        query = orjson.loads(request.query.get("q", ""))
        query["queries"][0]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        return _json({"error": "BAD_REQUEST"}, status=400)

    def build(s: SimulatorState) -> Any:
        empty = s.faults[Platform.BETPAWA].empty
        return listings.betpawa_list(
            s.board, s.books[Platform.BETPAWA], query, s.cycle, s.drift_rate, empty=empty
        )

    return await _serve(request, Platform.BETPAWA, "list", build)


async def betpawa_event_route(request: web.Request) -> web.StreamResponse:
    refusal = _betpawa_refusal(request)
    if refusal is not None:
        return refusal
    event_id, version = request.match_info["event_id"], request.match_info["version"]

    def build(s: SimulatorState) -> Any:
        event = _event_or_unknown(s.board, Platform.BETPAWA, event_id)
        return betpawa_event(s.templates, s.books[Platform.BETPAWA], event, s.cycle, s.drift_rate, version)

    return await _serve(request, Platform.BETPAWA, "event", build)


async def sportybet_tree(request: web.Request) -> web.StreamResponse:
    return await _serve(request, Platform.SPORTYBET, "tree", lambda s: listings.sportybet_tree(s.board))


async def sportybet_pc_events(request: web.Request) -> web.StreamResponse:
    try:
        payload = orjson.loads(await request.read())
        ids = [t for group in payload[0]["tournamentId"] for t in group]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        return _json({"bizCode": 10001, "message": "bad request", "data": None})

    def build(s: SimulatorState) -> Any:
        empty = s.faults[Platform.SPORTYBET].empty
        return listings.sportybet_pc_events(
            s.board, s.templates, s.books[Platform.SPORTYBET], ids, s.cycle, s.drift_rate, empty=empty
        )

    return await _serve(request, Platform.SPORTYBET, "list", build)


async def sportybet_event_route(request: web.Request) -> web.StreamResponse:
    event_id = request.query.get("eventId", "")

    def build(s: SimulatorState) -> Any:
        event = _event_or_unknown(s.board, Platform.SPORTYBET, event_id)
        return sportybet_event(s.templates, s.books[Platform.SPORTYBET], event, s.cycle, s.drift_rate)

    return await _serve(request, Platform.SPORTYBET, "event", build)


async def bet9ja_tree(request: web.Request) -> web.StreamResponse:
    return await _serve(request, Platform.BET9JA, "tree", lambda s: listings.bet9ja_tree(s.board))


async def bet9ja_group(request: web.Request) -> web.StreamResponse:
    group_id = request.query.get("GROUPID", "")

    def build(s: SimulatorState) -> Any:
        empty = s.faults[Platform.BET9JA].empty
        return listings.bet9ja_group(
            s.board, s.templates, s.books[Platform.BET9JA], group_id, s.cycle, s.drift_rate, empty=empty
        )

    return await _serve(request, Platform.BET9JA, "list", build)


async def bet9ja_event_route(request: web.Request) -> web.StreamResponse:
    event_id = request.query.get("EVENTID", "")

    def build(s: SimulatorState) -> Any:
        event = _event_or_unknown(s.board, Platform.BET9JA, event_id)
        return bet9ja_event(s.templates, s.books[Platform.BET9JA], event, s.cycle, s.drift_rate)

    return await _serve(request, Platform.BET9JA, "event", build)


# --- control -----------------------------------------------------------------------------------------


async def control_stats(request: web.Request) -> web.Response:
    return _json(request.app[STATE].stats_dict())


async def control_board(request: web.Request) -> web.Response:
    return _json(request.app[STATE].board.summary(datetime.now(UTC)))


async def control_advance(request: web.Request) -> web.Response:
    return _json({"cycle": request.app[STATE].advance()})


async def control_reset(request: web.Request) -> web.Response:
    request.app[STATE].reset_stats()
    return _json({"ok": True})


async def control_config(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        state.apply(orjson.loads(await request.read()))
    except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, status=400)
    return _json({p.value: _fault_dict(f) for p, f in state.faults.items()})


def _fault_dict(faults: FaultConfig) -> dict[str, Any]:
    return {
        "rate": faults.rate,
        "kinds": list(faults.kinds),
        "endpoints": list(faults.endpoints),
        "limit": faults.limit,
        "down": faults.down,
        "empty": faults.empty,
    }


def build_app(state: SimulatorState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    bp = "/betpawa/api/sportsbook/{version}"
    sb = "/sportybet/api/ng/factsCenter"
    b9 = "/bet9ja/desktop/feapi/PalimpsestAjax"
    app.add_routes(
        [
            web.get(bp + "/categories/list/{category}", betpawa_tree),
            web.get(bp + "/events/lists/by-queries", betpawa_list),
            web.get(bp + "/events/{event_id}", betpawa_event_route),
            web.get(sb + "/popularAndSportList", sportybet_tree),
            web.post(sb + "/pcEvents", sportybet_pc_events),
            web.get(sb + "/event", sportybet_event_route),
            web.get(b9 + "/GetSports", bet9ja_tree),
            web.get(b9 + "/GetEventsInGroupV2", bet9ja_group),
            web.get(b9 + "/GetEvent", bet9ja_event_route),
            web.get("/_sim/stats", control_stats),
            web.get("/_sim/board", control_board),
            web.post("/_sim/advance", control_advance),
            web.post("/_sim/reset", control_reset),
            web.post("/_sim/config", control_config),
        ]
    )
    return app


class Simulator:
    """A running simulator: its base URLs, its board and counters, and knobs to turn while it runs."""

    def __init__(self, state: SimulatorState, host: str, port: int) -> None:
        self.state = state
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"
        self.base_urls: dict[Platform, str] = {p: f"{self.url}/{p.value}" for p in ALL_PLATFORMS}

    @property
    def board(self) -> Board:
        return self.state.board

    @property
    def stats(self) -> Mapping[Platform, SiteStats]:
        return self.state.stats

    @property
    def cycle(self) -> int:
        return self.state.cycle

    def advance(self) -> int:
        """Next drift cycle: a share ``drift_rate`` of every site's markets moves."""
        return self.state.advance()

    def set_faults(self, platform: Platform, faults: FaultConfig) -> None:
        self.state.set_faults(platform, faults)

    def reset_stats(self) -> None:
        self.state.reset_stats()


@asynccontextmanager
async def run_simulator(config: SimulatorConfig | None = None) -> AsyncIterator[Simulator]:
    """``async with run_simulator(SimulatorConfig(...)) as sim:`` serves the three sites on loopback."""
    config = config or SimulatorConfig()
    state = SimulatorState(config)
    if config.prewarm:
        state.prewarm()
    runner = web.AppRunner(build_app(state), handler_cancellation=True, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port)
        await site.start()
        port = _bound_port(runner, config.port)
        yield Simulator(state, config.host, port)
    finally:
        await runner.cleanup()


def _bound_port(runner: web.AppRunner, requested: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return requested
