"""Parsers: raw bookmaker JSON -> attrs objects in BetPawa's market taxonomy. Pure functions, no I/O.

Every entry point raises only ``ParseError`` (a ``ValueError``) for a payload of the wrong shape; inside
an event, a bad market or outcome is skipped and counted in ``EventOdds.skipped``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from oddsstore.models import EventOdds, Market, Platform
from oddsstore.parsing.bet9ja import parse_bet9ja_event
from oddsstore.parsing.betpawa import parse_betpawa_event
from oddsstore.parsing.discovery import DiscoveryPage, parse_discovery, parse_discovery_page
from oddsstore.parsing.errors import ParseError
from oddsstore.parsing.sportybet import parse_sportybet_event
from oddsstore.parsing.tree import TreeEntry, parse_tree

_EVENT_PARSERS: Mapping[Platform, Callable[[Any], EventOdds]] = {
    Platform.BETPAWA: parse_betpawa_event,
    Platform.SPORTYBET: parse_sportybet_event,
    Platform.BET9JA: parse_bet9ja_event,
}


def parse_event(platform: Platform, payload: Mapping[str, Any]) -> EventOdds:
    """One event-detail response body -> its facts and normalised markets.

    BetPawa: the v3 or v4 event object. SportyBet: the whole body ``{"bizCode", "data"}``. Bet9ja: the whole
    body ``{"R", "D"}``.
    """
    return _EVENT_PARSERS[Platform(platform)](payload)


def market_margin(market: Market) -> float | None:
    """Overround in percent: ``(sum of 1/odds over active outcomes - 1) * 100``.

    None when fewer than two outcomes are active: one price alone has no overround to speak of.
    """
    inverse = [1.0 / o.odds for o in market.outcomes if o.is_active and o.odds > 0]
    if len(inverse) < 2:
        return None
    return (sum(inverse) - 1.0) * 100.0


__all__ = [
    "DiscoveryPage",
    "ParseError",
    "TreeEntry",
    "market_margin",
    "parse_discovery",
    "parse_discovery_page",
    "parse_event",
    "parse_tree",
]
