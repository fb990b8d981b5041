"""The comparison reads over HTTP, as JSON (the keys of the results' ``to_dict()``) and CSV:

- ``GET /api/board``: ``hours`` or ``kickoff_from``/``kickoff_to`` (ISO 8601), ``market`` (repeatable:
  ``ID``, ``ID@LINE``, ``ID@main``; default the CORE markets), ``tournament``, ``behind=1``;
- ``GET /api/export.csv``: the same board as CSV (``oddsstore.reads.export``), streamed;
- ``GET /api/events/{sportradar_id}``: every market side by side (``at`` ISO, ``method``
  multiplicative|power|shin);
- ``GET /api/events/{sportradar_id}/movement``: ``market`` (required), ``line``, ``since``.

A bad parameter is ``400`` with ``{"error", "parameter"}``, an event no site lists ``404``, the database
unavailable ``503`` with a reason. **The board is cached** (``service.cache``): identical board queries
within ``board_ttl_s`` seconds (default 2) get the same answer and concurrent identical queries share
one read; for another ``board_ttl_s`` the old answer is still given at once while one read refreshes
it. So the board (JSON, CSV and page alike) is at most ``2 * board_ttl_s`` plus one read old (a cycle
stores every few minutes). The event and movement routes always read the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
import attrs
import orjson
from aiohttp import web
from loguru import logger

from oddsstore.errors import TRANSIENT_DB_ERRORS
from oddsstore.models import utcnow
from oddsstore.reads import Board, ComparisonRepository, EventComparison, Movement, UnknownEvent
from oddsstore.reads.export import board_rows, csv_lines
from oddsstore.service.cache import TtlCache
from oddsstore.service.params import (
    BadParameter,
    BoardQuery,
    EventQuery,
    MovementQuery,
    parse_board,
    parse_event,
    parse_movement,
    valid_sportradar_id,
)
from oddsstore.service.responses import REQUEST_DB_TIMEOUT_S, json_response, unavailable

__all__ = ["DEFAULT_BOARD_TTL_S", "READS_KEY", "Reads", "ReadsSettings", "add_read_routes"]

DEFAULT_BOARD_TTL_S = 2.0
_CSV_LINES_PER_WRITE = 256


@attrs.frozen(slots=True)
class ReadsSettings:
    """``board_ttl_s``: how long a board answer is reused (0: every request reads, concurrent identical
    ones still share one read); ``clock``: "now" for the reads (aware UTC)."""

    board_ttl_s: float = attrs.field(default=DEFAULT_BOARD_TTL_S)
    clock: Callable[[], datetime] = utcnow

    @board_ttl_s.validator
    def _check(self, _attribute: object, value: float) -> None:
        if not 0 <= value <= 3600:
            raise ValueError("board_ttl_s must be between 0 and 3600 seconds")


@attrs.define
class BoardAnswer:
    """A board and, once asked for, its JSON bytes (encoded once per cached answer)."""

    board: Board
    encoded: bytes | None = None

    def json(self) -> bytes:
        if self.encoded is None:
            self.encoded = orjson.dumps(self.board.to_dict())
        return self.encoded


class Reads:
    """The comparison reads on ``pool`` with the board cache; shared by the JSON routes and the pages."""

    def __init__(self, pool: asyncpg.Pool[Any], settings: ReadsSettings | None = None) -> None:
        self.pool = pool
        self.settings = settings or ReadsSettings()
        ttl = self.settings.board_ttl_s
        self.boards: TtlCache[BoardQuery, BoardAnswer] = TtlCache(ttl_s=ttl, stale_s=ttl)

    def now(self) -> datetime:
        return self.settings.clock()

    async def _read(self, call: Callable[[ComparisonRepository], Awaitable[Any]]) -> Any:
        async with asyncio.timeout(REQUEST_DB_TIMEOUT_S), self.pool.acquire() as conn:
            return await call(ComparisonRepository(conn, clock=self.settings.clock))

    async def board(self, query: BoardQuery) -> Board:
        """The board of ``query`` (cached, see the module doc)."""
        return (await self._answer(query)).board

    async def board_bytes(self, query: BoardQuery) -> bytes:
        """The board of ``query`` as JSON bytes (cached with it)."""
        return (await self._answer(query)).json()

    async def _answer(self, query: BoardQuery) -> BoardAnswer:
        now = self.now()
        kickoff_from, kickoff_to = query.window(now)
        if kickoff_from is None and kickoff_to is not None and kickoff_to < now:
            raise BadParameter("kickoff_to", "is in the past (kickoff_from defaults to now)")

        async def load() -> BoardAnswer:
            board: Board = await self._read(
                lambda reads: reads.board(
                    kickoff_from=kickoff_from,
                    kickoff_to=kickoff_to,
                    markets=query.markets,
                    tournament=query.tournament,
                    only_behind=query.only_behind,
                )
            )
            return BoardAnswer(board)

        return await self.boards.get(query, load)

    async def event(self, sportradar_id: str, query: EventQuery) -> EventComparison:
        if not valid_sportradar_id(sportradar_id):
            raise UnknownEvent(sportradar_id)
        event: EventComparison = await self._read(
            lambda reads: reads.event(sportradar_id=sportradar_id, at=query.at, method=query.method)
        )
        return event

    async def movement(self, sportradar_id: str, query: MovementQuery) -> Movement:
        if not valid_sportradar_id(sportradar_id):
            raise UnknownEvent(sportradar_id)
        movement: Movement = await self._read(
            lambda reads: reads.movement(
                sportradar_id=sportradar_id, market_id=query.market_id, line=query.line, since=query.since
            )
        )
        return movement


READS_KEY = web.AppKey("oddsstore_reads", Reads)


async def answer(call: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """``call``'s response, or the JSON error of a bad parameter (400), an unknown event (404) or an
    unavailable database (503)."""
    try:
        return await call()
    except BadParameter as bad:
        return json_response(bad.to_dict(), 400)
    except UnknownEvent as unknown:
        return json_response({"error": str(unknown), "sportradar_id": unknown.sportradar_id}, 404)
    except TRANSIENT_DB_ERRORS as exc:
        return unavailable(exc)


def _json_bytes(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


async def _stream_csv(request: web.Request, board: Board) -> web.StreamResponse:
    """The board's CSV rows written as they are formatted; a reader that goes away ends it quietly."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="oddsstore-board.csv"',
            "Cache-Control": "no-cache",
        }
    )
    await response.prepare(request)
    chunk: list[str] = []
    try:
        for line in csv_lines(board_rows(board)):
            chunk.append(line)
            if len(chunk) >= _CSV_LINES_PER_WRITE:
                await response.write("".join(chunk).encode())
                chunk.clear()
        await response.write("".join(chunk).encode())
        await response.write_eof()
    except ConnectionError:  # not a database failure: the answer is already under way
        logger.debug("a CSV reader disconnected")
    return response


class ReadsApi:
    """The JSON and CSV routes over :class:`Reads`."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    def add_routes(self, app: web.Application, prefix: str = "/api") -> None:
        app.router.add_get(f"{prefix}/board", self.get_board)
        app.router.add_get(f"{prefix}/export.csv", self.get_export)
        app.router.add_get(f"{prefix}/events/{{sportradar_id}}", self.get_event)
        app.router.add_get(f"{prefix}/events/{{sportradar_id}}/movement", self.get_movement)

    async def get_board(self, request: web.Request) -> web.StreamResponse:
        async def go() -> web.StreamResponse:
            return _json_bytes(await self.reads.board_bytes(parse_board(request.query)))

        return await answer(go)

    async def get_export(self, request: web.Request) -> web.StreamResponse:
        async def go() -> web.StreamResponse:
            board = await self.reads.board(parse_board(request.query))
            return await _stream_csv(request, board)

        return await answer(go)

    async def get_event(self, request: web.Request) -> web.StreamResponse:
        async def go() -> web.StreamResponse:
            event = await self.reads.event(request.match_info["sportradar_id"], parse_event(request.query))
            return _json_bytes(orjson.dumps(event.to_dict()))

        return await answer(go)

    async def get_movement(self, request: web.Request) -> web.StreamResponse:
        async def go() -> web.StreamResponse:
            query = parse_movement(request.query)
            movement = await self.reads.movement(request.match_info["sportradar_id"], query)
            return _json_bytes(orjson.dumps(movement.to_dict()))

        return await answer(go)


def add_read_routes(
    app: web.Application, pool: asyncpg.Pool[Any], settings: ReadsSettings | None = None
) -> Reads:
    """The JSON/CSV routes (and, from ``oddsstore.service.pages``, the web pages) on ``app``."""
    from oddsstore.service.pages import Pages  # pages build on this module

    reads = Reads(pool, settings)
    app[READS_KEY] = reads
    ReadsApi(reads).add_routes(app)
    Pages(reads).add_routes(app)
    return reads
