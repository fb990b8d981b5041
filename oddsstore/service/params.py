"""Query parameters of the read routes (JSON, CSV and the pages), checked before any database call:
a bad one raises :class:`BadParameter` naming it, which the routes answer with ``400``."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

import attrs
from multidict import MultiMapping

from oddsstore.models import utcnow
from oddsstore.reads.common import CORE, MarketPick, parse_moment, parse_number, validate_market_id
from oddsstore.reads.fair import FairMethod

__all__ = [
    "BOARD_PARAMS",
    "BadParameter",
    "BoardQuery",
    "EventQuery",
    "MovementQuery",
    "parse_board",
    "parse_event",
    "parse_movement",
    "pick_text",
    "single",
    "valid_sportradar_id",
]

BOARD_PARAMS = frozenset({"hours", "kickoff_from", "kickoff_to", "market", "tournament", "behind"})
_MAX_HOURS = 24.0 * 366
_MAX_MARKETS = 40
_MAX_TEXT = 200
_SPORTRADAR_ID = re.compile(r"[0-9A-Za-z:_.-]{1,64}")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class BadParameter(ValueError):
    """Query parameter ``name`` is unusable; ``str(self)`` says why."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name

    def to_dict(self) -> dict[str, str]:
        return {"error": f"bad parameter {self.name!r}: {self}", "parameter": self.name}


def _number(name: str, text: str) -> float:
    """``text`` as a finite decimal number, else :class:`BadParameter` naming ``name``."""
    try:
        return parse_number(text)
    except ValueError as exc:
        raise BadParameter(name, str(exc)) from None


def single(query: MultiMapping[str], name: str) -> str | None:
    """The one value of ``name`` (``None`` when absent); given twice it is a bad parameter."""
    values = query.getall(name, [])
    if len(values) > 1:
        raise BadParameter(name, "given more than once")
    return values[0] if values else None


def _moment(query: MultiMapping[str], name: str) -> datetime | None:
    text = single(query, name)
    if text is None or not text.strip():
        return None
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise BadParameter(name, f"{exc} (expected e.g. 2026-05-06T11:00:00Z)") from None


def _known(query: MultiMapping[str], allowed: Collection[str]) -> None:
    for name in query:
        if name not in allowed:
            raise BadParameter(name, f"unknown parameter (expected one of {', '.join(sorted(allowed))})")


@attrs.frozen(slots=True)
class BoardQuery:
    """The board's parameters, normalised: equal queries are equal keys (the board cache's key)."""

    hours: float | None = None
    kickoff_from: datetime | None = None
    kickoff_to: datetime | None = None
    markets: tuple[MarketPick, ...] = CORE
    tournament: str | None = None
    only_behind: bool = False

    def window(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """``(kickoff_from, kickoff_to)`` for the library: ``hours`` counts from ``now``."""
        if self.hours is None:
            return self.kickoff_from, self.kickoff_to
        start = now or utcnow()
        return start, start + timedelta(hours=self.hours)

    def to_query(self) -> dict[str, str | list[str]]:
        """The parameters back as query text (for links that keep the board's filters)."""
        out: dict[str, str | list[str]] = {}
        if self.hours is not None:
            out["hours"] = f"{self.hours:g}"
        if self.kickoff_from is not None:
            out["kickoff_from"] = self.kickoff_from.isoformat()
        if self.kickoff_to is not None:
            out["kickoff_to"] = self.kickoff_to.isoformat()
        if self.markets != CORE:
            out["market"] = [pick_text(p) for p in self.markets]
        if self.tournament is not None:
            out["tournament"] = self.tournament
        if self.only_behind:
            out["behind"] = "1"
        return out


def pick_text(pick: MarketPick) -> str:
    """A pick as ``MarketPick.parse`` reads it: ``3743``, ``5000@2.5``, ``3774@main``."""
    if pick.main:
        return f"{pick.market_id}@main"
    return pick.market_id if pick.line is None else f"{pick.market_id}@{pick.line:g}"


def parse_board(query: MultiMapping[str], extra: Collection[str] = ()) -> BoardQuery:
    """The board's parameters (``extra``: further names a caller reads itself, such as a page's sort)."""
    _known(query, BOARD_PARAMS | set(extra))
    hours_text = single(query, "hours")
    hours = None
    if hours_text is not None and hours_text.strip():
        hours = _number("hours", hours_text)
        if not 0 < hours <= _MAX_HOURS:
            raise BadParameter("hours", f"expected a number of hours above 0 and at most {_MAX_HOURS:g}")
    kickoff_from = _moment(query, "kickoff_from")
    kickoff_to = _moment(query, "kickoff_to")
    if hours is not None and (kickoff_from is not None or kickoff_to is not None):
        raise BadParameter("hours", "give hours or kickoff_from/kickoff_to, not both")
    if kickoff_from is not None and kickoff_to is not None and kickoff_to < kickoff_from:
        raise BadParameter("kickoff_to", "is before kickoff_from")
    texts = [t for t in query.getall("market", []) if t.strip()]
    if len(texts) > _MAX_MARKETS:
        raise BadParameter("market", f"at most {_MAX_MARKETS} markets")
    picks: list[MarketPick] = []
    for text in texts:
        try:
            pick = MarketPick.parse(text)
        except ValueError as exc:
            raise BadParameter("market", str(exc)) from None
        if pick not in picks:
            picks.append(pick)
    tournament = (single(query, "tournament") or "").strip() or None
    if tournament is not None and len(tournament) > _MAX_TEXT:
        raise BadParameter("tournament", f"longer than {_MAX_TEXT} characters")
    return BoardQuery(
        hours=hours,
        kickoff_from=kickoff_from,
        kickoff_to=kickoff_to,
        markets=tuple(picks) or CORE,
        tournament=tournament,
        only_behind=_flag(query, "behind"),
    )


def _flag(query: MultiMapping[str], name: str) -> bool:
    text = single(query, name)
    if text is None:
        return False
    if text.strip().lower() in _TRUE:
        return True
    if text.strip().lower() in _FALSE:
        return False
    raise BadParameter(name, f"expected 1 or 0, not {text!r}")


def valid_sportradar_id(text: str) -> bool:
    """Whether ``text`` can be a SportRadar id at all (anything else is an unknown event)."""
    return _SPORTRADAR_ID.fullmatch(text) is not None


@attrs.frozen(slots=True)
class EventQuery:
    at: datetime | None
    method: FairMethod


def parse_event(query: MultiMapping[str], extra: Collection[str] = ()) -> EventQuery:
    _known(query, {"at", "method", *extra})
    method = single(query, "method") or FairMethod.MULTIPLICATIVE.value
    try:
        how = FairMethod(method)
    except ValueError:
        names = ", ".join(m.value for m in FairMethod)
        raise BadParameter("method", f"{method!r} is not one of {names}") from None
    return EventQuery(at=_moment(query, "at"), method=how)


@attrs.frozen(slots=True)
class MovementQuery:
    market_id: str
    line: float | None
    since: datetime | None


def parse_movement(
    query: MultiMapping[str], *, default_market: str | None = None, extra: Collection[str] = ()
) -> MovementQuery:
    """``market`` (required unless ``default_market``), ``line``, ``since``."""
    _known(query, {"market", "line", "since", *extra})
    market = single(query, "market") or default_market
    if market is None:
        raise BadParameter("market", "required (a market id such as 3743)")
    try:
        validate_market_id(market)
    except ValueError as exc:
        raise BadParameter("market", str(exc)) from None
    line_text = single(query, "line")
    line = None
    if line_text is not None and line_text.strip():
        line = _number("line", line_text)
    return MovementQuery(market_id=market, line=line, since=_moment(query, "since"))
