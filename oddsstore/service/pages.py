"""The web pages, served by the same app (no script needed, no external resource):

- ``/``: the board (the board's parameters, plus ``sort=kickoff|gap`` and ``limit`` rows);
- ``/events/{sportradar_id}``: every market side by side (``at``, ``method``) with the movement chart
  of one market (``market``, default 1X2; ``line``; ``since``);
- ``/static/oddsstore.css``.

Bad parameters, unknown events and an unavailable database get an HTML page with the status of the
JSON routes (400, 404, 503). Every page carries a Content-Security-Policy allowing nothing but this
app's own stylesheet, so even a stored name that got past escaping could not run a script.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from multidict import MultiMapping

from oddsstore.errors import TRANSIENT_DB_ERRORS
from oddsstore.reads import Movement, UnknownEvent
from oddsstore.service.api import Reads
from oddsstore.service.chart import movement_svg, series_of
from oddsstore.service.params import BadParameter, parse_board, parse_event, parse_movement, single
from oddsstore.service.render import (
    CSS,
    MAX_ROWS,
    board_body,
    error_body,
    event_body,
    events_text,
    market_label,
    page,
)

__all__ = ["Pages"]

DEFAULT_CHART_MARKET = "3743"  # 1X2
_DEFAULT_LIMIT = 300
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS)


def _error(status: int, message: str) -> web.Response:
    return _html(page(f"{status} · oddsstore", error_body(status, message)), status)


async def _answer(call: Callable[[], Awaitable[web.Response]]) -> web.Response:
    try:
        return await call()
    except BadParameter as bad:
        return _error(400, f"Bad parameter {bad.name!r}: {bad}")
    except UnknownEvent as unknown:
        return _error(404, str(unknown))
    except TRANSIENT_DB_ERRORS:
        return _error(503, "The database is unavailable; try again in a moment.")


def _sort(query: MultiMapping[str]) -> str:
    sort = single(query, "sort") or "kickoff"
    if sort not in ("kickoff", "gap"):
        raise BadParameter("sort", f"expected kickoff or gap, not {sort!r}")
    return sort


def _limit(query: MultiMapping[str]) -> int:
    text = single(query, "limit") or str(_DEFAULT_LIMIT)
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses (a 500, not a 400)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ROWS:
        raise BadParameter("limit", f"expected a number of rows from 1 to {MAX_ROWS}")
    return int(text)


class Pages:
    """The HTML routes over :class:`~oddsstore.service.api.Reads` (sharing its board cache)."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.get_board)
        app.router.add_get("/events/{sportradar_id}", self.get_event)
        app.router.add_get("/static/oddsstore.css", self.get_css)

    async def get_css(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=CSS, content_type="text/css", charset="utf-8", headers={"Cache-Control": "max-age=300"}
        )

    async def get_board(self, request: web.Request) -> web.Response:
        async def go() -> web.Response:
            query = parse_board(request.query, extra=("sort", "limit"))
            sort, limit = _sort(request.query), _limit(request.query)
            board = await self.reads.board(query)
            title = f"Board ({events_text(len(board.events))}) · oddsstore"
            return _html(page(title, board_body(board, query, sort=sort, limit=limit), _footer(self.reads)))

        return await _answer(go)

    async def get_event(self, request: web.Request) -> web.Response:
        async def go() -> web.Response:
            sportradar_id = request.match_info["sportradar_id"]
            chart = parse_movement(request.query, default_market=DEFAULT_CHART_MARKET, extra=("at", "method"))
            event = await self.reads.event(
                sportradar_id, parse_event(request.query, extra=("market", "line", "since"))
            )
            movement = await self.reads.movement(sportradar_id, chart)
            series = series_of(movement)
            names = {m.key: m.market_name for m in event.markets}
            label = chart.market_id
            if series:
                label = market_label(names.get(series[0].key, chart.market_id), series[0].key)
            svg = movement_svg(
                series,
                end=_chart_end(movement, self.reads.now()),
                title=f"{label}: price by site and outcome",
            )
            body = event_body(event, svg, market=chart.market_id, line=chart.line)
            title = f"{event.home_team} v {event.away_team} · oddsstore"
            return _html(page(title, body, _footer(self.reads)))

        return await _answer(go)


def _chart_end(movement: Movement, now: datetime) -> datetime:
    """Now before kickoff; once started, kickoff (or the last change, if one came later)."""
    last = max((p.captured_at for o in movement.outcomes for p in o.changes), default=movement.kickoff)
    if not movement.started:
        return max(now, last)
    return max(movement.kickoff, last)


def _footer(reads: Reads) -> str:
    ttl = reads.settings.board_ttl_s
    # fresh for ttl, then still answered for another ttl while one read refreshes it (service.cache)
    age = f"may be up to {2 * ttl:g} s old (it is cached)" if ttl > 0 else "is read for every request"
    json = '<a href="/api/board">/api/board</a>'
    return f"The board {age}; an event's page reads the database. JSON at {json}."
