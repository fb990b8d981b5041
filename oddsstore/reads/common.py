"""What the comparison reads share: market picks (``CORE``), market keys, the errors, JSON helpers."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime

import attrs

from oddsstore.models import ALL_PLATFORMS, Market, Platform

__all__ = [
    "CORE",
    "MarketKey",
    "MarketPick",
    "UnknownEvent",
    "expected_outcomes",
    "iso",
    "key_dict",
    "key_of",
    "parse_moment",
    "parse_number",
    "parse_picks",
    "validate_market_id",
]

MarketKey = tuple[str, float | None, str | None, float | None, float | None]
"""(market_id, line, handicap_type, handicap_home, handicap_away): a market's identity on every site."""

_MARKET_ID = re.compile(r"[0-9A-Za-z_]{1,40}")
# A plain decimal number in ASCII: float() alone also reads "1_0" as 10 and other scripts' digits
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def parse_number(text: str) -> float:
    """``text`` as a finite plain decimal number (ASCII digits, optional sign, point and exponent), else
    ``ValueError``: ``"1_0"``, ``"inf"``, ``"nan"`` and other scripts' digits are refused."""
    value = float(text) if isinstance(text, str) and _NUMBER.fullmatch(text) else math.nan
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


class UnknownEvent(LookupError):
    """No site lists an event with this sportradar id (an HTTP layer answers 404)."""

    def __init__(self, sportradar_id: str) -> None:
        super().__init__(f"unknown event: no site lists sportradar id {sportradar_id!r}")
        self.sportradar_id = sportradar_id


def validate_market_id(market_id: object) -> str:
    """``market_id`` when it is a market id (BetPawa's ids are digits), else ``ValueError``."""
    if not isinstance(market_id, str) or not _MARKET_ID.fullmatch(market_id):
        raise ValueError(f"bad market id {market_id!r}: expected a BetPawa market id such as '3743'")
    return market_id


@attrs.frozen(slots=True)
class MarketPick:
    """A market chosen for the board: every line of ``market_id`` (``line=None``), one ``line``, or
    (``main=True``) its main line: the line whose two prices are closest (BetPawa's, else the first
    competitor's in site order). Parsed from text by ``parse``: ``"3743"``, ``"5000@2.5"``,
    ``"3774@main"``."""

    market_id: str = attrs.field(converter=validate_market_id)
    line: float | None = None
    main: bool = False

    def __attrs_post_init__(self) -> None:
        if self.main and self.line is not None:
            raise ValueError("a market pick has a line or main=True, not both")
        if self.line is not None and not math.isfinite(self.line):
            raise ValueError(f"bad line {self.line!r}: expected a finite number")

    @classmethod
    def parse(cls, text: str) -> MarketPick:
        market_id, at, line = text.strip().partition("@")
        if not at:
            return cls(market_id)
        if line == "main":
            return cls(market_id, main=True)
        try:
            return cls(market_id, parse_number(line))
        except ValueError:
            raise ValueError(f"bad market pick {text!r}: expected ID, ID@LINE or ID@main") from None

    def to_dict(self) -> dict[str, object]:
        return {"market_id": self.market_id, "line": self.line, "main": self.main}


# BetPawa ids: 1X2, Over/Under (line 2.5), BTTS, Double Chance, Draw No Bet, Asian Handicap (main line)
CORE: tuple[MarketPick, ...] = (
    MarketPick("3743"),
    MarketPick("5000", 2.5),
    MarketPick("3795"),
    MarketPick("4693"),
    MarketPick("4703"),
    MarketPick("3774", main=True),
)

# The complete outcome sets of the markets whose sets are fixed (BetPawa's outcome names). Other
# markets are complete when a site prices every outcome any site lists for the same key.
_KNOWN_OUTCOMES: Mapping[str, frozenset[str]] = {
    "3743": frozenset({"1", "X", "2"}),
    "5000": frozenset({"Over", "Under"}),
    "3795": frozenset({"Yes", "No"}),
    "4693": frozenset({"1X", "X2", "12"}),
    "4703": frozenset({"1", "2"}),
    "3774": frozenset({"1", "2"}),
}


def parse_picks(markets: Iterable[MarketPick | str]) -> tuple[MarketPick, ...]:
    """Picks from picks or their text form, duplicates dropped, order kept. None at all: ``ValueError``."""
    if isinstance(markets, str):
        raise ValueError("markets must be a sequence of picks, not one string")
    picks: list[MarketPick] = []
    for m in markets:
        pick = m if isinstance(m, MarketPick) else MarketPick.parse(m)
        if pick not in picks:
            picks.append(pick)
    if not picks:
        raise ValueError("markets must name at least one market")
    return tuple(picks)


def key_of(m: Market) -> MarketKey:
    return (m.market_id, m.line, m.handicap_type, m.handicap_home, m.handicap_away)


def key_dict(key: MarketKey) -> dict[str, object]:
    return {
        "market_id": key[0],
        "line": key[1],
        "handicap_type": key[2],
        "handicap_home": key[3],
        "handicap_away": key[4],
    }


def expected_outcomes(market_id: str, listed: Iterable[Collection[str]]) -> frozenset[str]:
    """The outcomes a complete set of ``market_id`` has: the fixed set when known, else every outcome
    any site lists (``listed``: each site's outcome names for the same key)."""
    known = _KNOWN_OUTCOMES.get(market_id)
    if known is not None:
        return known
    return frozenset(name for names in listed for name in names)


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def site_order(platforms: Collection[Platform]) -> list[Platform]:
    return [p for p in ALL_PLATFORMS if p in platforms]


def aware(name: str, at: datetime | None) -> None:
    if at is not None and at.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")


def parse_moment(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 text (a trailing ``Z`` and naive times are UTC); anything
    else: ``ValueError`` naming the text."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
