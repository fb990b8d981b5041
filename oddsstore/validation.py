"""Checks on market and event data before it reaches PostgreSQL.

A market that PostgreSQL would reject, or that no one should compare (NaN, infinite, zero or negative
odds, no outcomes, text with NUL bytes, a non-finite line), is refused on its own with a reason, so the
rest of the event and of the batch is stored. The reasons are stable slugs, counted per snapshot and
reported in the event's status row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from oddsstore.models import EventOdds, Market

__all__ = [
    "EMPTY_OUTCOMES",
    "INVALID_HANDICAP_TYPE",
    "INVALID_ODDS",
    "MAX_SPORTRADAR_ID_LENGTH",
    "NON_FINITE_LINE",
    "NON_FINITE_ODDS",
    "NON_POSITIVE_ODDS",
    "NUL_IN_TEXT",
    "event_facts_problem",
    "format_rejections",
    "market_problem",
    "sportradar_id_problem",
]

EMPTY_OUTCOMES = "empty_outcomes"
NON_FINITE_ODDS = "non_finite_odds"
NON_POSITIVE_ODDS = "non_positive_odds"
INVALID_ODDS = "invalid_odds"
NUL_IN_TEXT = "nul_in_text"
NON_FINITE_LINE = "non_finite_line"
INVALID_HANDICAP_TYPE = "invalid_handicap_type"

MAX_SPORTRADAR_ID_LENGTH = 50  # event_scrape_status.sportradar_id is varchar(50)

_INF = math.inf
_HANDICAP_TYPES = frozenset({None, "asian", "european"})


def _odds_reason(odds: object) -> str:
    if isinstance(odds, bool) or not isinstance(odds, int | float):
        return INVALID_ODDS
    if math.isnan(odds) or math.isinf(odds):
        return NON_FINITE_ODDS
    return NON_POSITIVE_ODDS


def market_problem(market: Market) -> str | None:
    """The reason to refuse this market, or ``None`` when it can be stored. Fast path first."""
    outcomes = market.outcomes
    if not outcomes:
        return EMPTY_OUTCOMES
    try:
        for outcome in outcomes:
            odds = outcome.odds
            # False for NaN, +-inf, zero and negatives in one comparison chain.
            if not 0.0 < odds < _INF or odds.__class__ is bool:
                return _odds_reason(odds)
            if "\x00" in outcome.name:
                return NUL_IN_TEXT
        if "\x00" in market.market_id or "\x00" in market.market_name:
            return NUL_IN_TEXT
    except TypeError:
        # odds that are not numbers, or text fields that are not strings
        return INVALID_ODDS
    line = market.line
    if line is not None and not -_INF < line < _INF:
        return NON_FINITE_LINE
    if market.handicap_type not in _HANDICAP_TYPES:
        return INVALID_HANDICAP_TYPE
    for value in (market.handicap_home, market.handicap_away):
        if value is not None and not -_INF < value < _INF:
            return NON_FINITE_LINE
    if market.groups is not None and any("\x00" in g for g in market.groups):
        return NUL_IN_TEXT
    return None


def sportradar_id_problem(sportradar_id: str) -> str | None:
    """Why this SportRadar id cannot key an event row, or ``None``."""
    if not sportradar_id:
        return "empty sportradar_id"
    if len(sportradar_id) > MAX_SPORTRADAR_ID_LENGTH:
        return f"sportradar_id longer than {MAX_SPORTRADAR_ID_LENGTH} characters"
    if "\x00" in sportradar_id:
        return "sportradar_id contains a NUL byte"
    return None


def event_facts_problem(odds: EventOdds) -> str | None:
    """Why a site's event facts cannot be stored (the site then counts as failed), or ``None``."""
    texts = (
        odds.platform_event_id,
        odds.home_team,
        odds.away_team,
        odds.tournament,
        odds.tournament_id,
        odds.country,
    )
    if not odds.platform_event_id:
        return "empty platform event id"
    if any(t is not None and "\x00" in t for t in texts):
        return "event data contains a NUL byte"
    return None


def format_rejections(rejected: Mapping[str, int]) -> str:
    """``"rejected 2 markets: non_finite_odds=1, empty_outcomes=1"`` (reasons in first-seen order)."""
    total = sum(rejected.values())
    noun = "market" if total == 1 else "markets"
    return f"rejected {total} {noun}: " + ", ".join(f"{reason}={n}" for reason, n in rejected.items())
