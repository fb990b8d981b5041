"""``ComparisonRepository``: the reads a pricing team compares with (board, event, movement), each one
named SQL statement (``sql/reads/``) over the caller's connection, attrs results with ``to_dict()``.

Errors: an event no site lists raises ``UnknownEvent`` (a ``LookupError``); bad parameters (a naive
datetime, ``kickoff_from`` after ``kickoff_to``, a malformed market id or pick) raise ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime

from oddsstore.db import Connection, load_sql
from oddsstore.models import utcnow
from oddsstore.reads.board import Board
from oddsstore.reads.board_live import live_board
from oddsstore.reads.common import CORE, MarketPick, UnknownEvent, aware, parse_picks, validate_market_id
from oddsstore.reads.fair import DEFAULT_VALUE_THRESHOLD, FairMethod
from oddsstore.reads.movement import Movement, build_movement
from oddsstore.reads.odds import OddsRepository
from oddsstore.reads.projection import projected_board, projection_positions
from oddsstore.reads.sidebyside import EventComparison, build_comparison

__all__ = ["ComparisonRepository"]

_FACTS = load_sql("reads/select_event_facts")
_HISTORY = load_sql("reads/select_market_history")


class ComparisonRepository:
    """Board, event side by side and movement. Takes the caller's connection; ``clock`` gives "now"
    (aware UTC; the default is the wall clock)."""

    def __init__(self, conn: Connection, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._conn = conn
        self._clock = clock

    async def board(
        self,
        *,
        kickoff_from: datetime | None = None,
        kickoff_to: datetime | None = None,
        markets: Iterable[MarketPick | str] = CORE,
        tournament: str | None = None,
        only_behind: bool = False,
    ) -> Board:
        """Every BetPawa event with ``kickoff_from <= kickoff <= kickoff_to`` (default: from now, no end),
        in ``tournament`` when given, with the picked ``markets`` (``CORE`` by default; a ``MarketPick``
        or its text ``"5000@2.5"``) compared per outcome. ``only_behind``: only the outcomes where a
        competitor pays more than BetPawa (and only the markets and events that have one). Picks of
        ``CORE`` read the board's projection (``reads.projection``), others ``current_odds``
        (``reads.board_live``): the same answer."""
        aware("kickoff_from", kickoff_from)
        aware("kickoff_to", kickoff_to)
        start = kickoff_from if kickoff_from is not None else self._clock()
        if kickoff_to is not None and kickoff_to < start:
            raise ValueError(
                f"kickoff_from ({start.isoformat()}) is after kickoff_to ({kickoff_to.isoformat()})"
            )
        picks = parse_picks(markets)
        positions = projection_positions(picks)
        if positions is not None:
            return await projected_board(
                self._conn,
                picks,
                positions,
                start=start,
                kickoff_to=kickoff_to,
                tournament=tournament,
                only_behind=only_behind,
            )
        return await live_board(
            self._conn,
            picks,
            start=start,
            kickoff_to=kickoff_to,
            tournament=tournament,
            only_behind=only_behind,
        )

    async def _facts(self, sportradar_id: str) -> dict[str, object]:
        if not isinstance(sportradar_id, str) or not sportradar_id.strip():
            raise ValueError(f"bad sportradar id {sportradar_id!r}")
        row = await self._conn.fetchrow(_FACTS, sportradar_id)
        if row is None:
            raise UnknownEvent(sportradar_id)
        return dict(row)

    async def event(
        self,
        *,
        sportradar_id: str,
        at: datetime | None = None,
        method: FairMethod | str = FairMethod.MULTIPLICATIVE,
        value_threshold: float = DEFAULT_VALUE_THRESHOLD,
    ) -> EventComparison:
        """Every market of the event side by side on the three sites, now or (``at``) as the sites'
        latest runs at or before ``at`` returned them, with margins, fair odds by ``method``, the
        consensus, value prices (edge >= ``value_threshold``) and availability."""
        aware("at", at)
        how = FairMethod(method)
        if not math.isfinite(value_threshold):
            raise ValueError("value_threshold must be a finite number")
        facts = await self._facts(sportradar_id)
        odds = OddsRepository(self._conn)
        sites = await (
            odds.current_prices(sportradar_id=sportradar_id)
            if at is None
            else odds.prices_as_of(sportradar_id=sportradar_id, at=at)
        )
        return build_comparison(facts, sites, at=at, method=how, threshold=value_threshold)

    async def movement(
        self,
        *,
        sportradar_id: str,
        market_id: str,
        line: float | None = None,
        since: datetime | None = None,
    ) -> Movement:
        """Per site, line and outcome of ``market_id`` (only ``line`` when given): opening, every change
        (from ``since`` when given), latest, and the closing line once kickoff has passed."""
        validate_market_id(market_id)
        aware("since", since)
        if line is not None and not math.isfinite(line):
            raise ValueError(f"bad line {line!r}: expected a finite number")
        facts = await self._facts(sportradar_id)
        rows = await self._conn.fetch(_HISTORY, sportradar_id, market_id, line)
        kickoff = facts["kickoff"]
        assert isinstance(kickoff, datetime)
        return build_movement(
            rows,
            sportradar_id=sportradar_id,
            market_id=market_id,
            line=line,
            since=since,
            kickoff=kickoff,
            now=self._clock(),
        )
