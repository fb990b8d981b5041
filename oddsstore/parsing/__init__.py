"""Parsers: raw bookmaker JSON -> attrs objects in BetPawa's market taxonomy. Pure functions, no I/O.

Every entry point raises only ``ParseError`` (a ``ValueError`` whose ``.path`` names the key, e.g.
``"data.markets[3].outcomes"``) for a payload of the wrong shape. Inside an event, a bad market or outcome
is skipped and counted in ``EventOdds.skipped`` by reason:

``unmapped_market``   source market with no BetPawa counterpart (SportyBet, Bet9ja; BetPawa keeps all)
``malformed_market``  a market entry of the wrong shape
``bad_specifier``     SportyBet specifier / Bet9ja parameter that does not parse, or a line market without
                      its line
``inactive_market``   SportyBet market status other than 0 (open) or 1 (suspended: kept, outcomes inactive)
``unknown_outcome``   outcome the table does not know
``unmapped_outcome``  outcome the table knows but BetPawa does not offer
``bad_odds``          price missing, not a finite number, or not above 1.0
``inactive_outcome``  suspended price without a usable value
``duplicate_outcome`` the same outcome twice in one market (first kept)
``no_valid_outcomes`` market whose every outcome was skipped
``duplicate_market``  (market_id, line) already seen in this event (first kept)
``bad_odds_key``      Bet9ja key outside the ``S_<MARKET>[@<param>]_<OUTCOME>`` grammar

``markets_seen`` counts source markets: BetPawa rows, SportyBet market entries, Bet9ja (market, param)
groups; ``markets_mapped`` the normalised markets produced. Bet9ja's live endpoint shape is refused
(ParseError ``D.ID``): it carries no prices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from oddsstore.models import EventOdds, Platform
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


__all__ = [
    "DiscoveryPage",
    "ParseError",
    "TreeEntry",
    "parse_discovery",
    "parse_discovery_page",
    "parse_event",
    "parse_tree",
]
