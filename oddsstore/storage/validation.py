"""Checks on market and event data before it reaches PostgreSQL.

A market that PostgreSQL would reject, or that no one should compare (NaN, infinite, zero or negative
odds, no outcomes, text with NUL bytes, lone surrogates or over ``MAX_TEXT_LENGTH`` characters, a
non-finite line), is refused on its own with a reason, so the rest of the event and of the batch is
stored. The reasons are stable slugs, counted per snapshot and reported in the event's status row.

A site's event facts are checked by ``clean_event_facts``: an identity that cannot key a row (empty or
over-long platform event id), text PostgreSQL would refuse (NUL, lone surrogates), an absurd kickoff or
unstorable parser counters fail that site with a reason; names over ``MAX_TEXT_LENGTH`` characters are
cut to it with a note. Text that reaches ``jsonb`` as a message (``clean_message``) is cleaned, never
refused. No single value may make PostgreSQL reject, and so roll back, a whole batch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from oddsstore.models import EventOdds, Market

__all__ = [
    "BAD_KICKOFF",
    "DUPLICATE_MARKET",
    "EMPTY_OUTCOMES",
    "INVALID_HANDICAP_TYPE",
    "INVALID_ODDS",
    "INVALID_TEXT",
    "INVALID_VALUE",
    "MAX_MESSAGE_LENGTH",
    "MAX_SPORTRADAR_ID_LENGTH",
    "MAX_TEXT_LENGTH",
    "NON_FINITE_LINE",
    "NON_FINITE_ODDS",
    "NON_POSITIVE_ODDS",
    "NUL_IN_TEXT",
    "TEXT_TOO_LONG",
    "clean_event_facts",
    "clean_message",
    "event_facts_problem",
    "format_rejections",
    "kickoff_problem",
    "market_problem",
    "sportradar_id_problem",
    "text_problem",
]

EMPTY_OUTCOMES = "empty_outcomes"
NON_FINITE_ODDS = "non_finite_odds"
NON_POSITIVE_ODDS = "non_positive_odds"
INVALID_ODDS = "invalid_odds"
NUL_IN_TEXT = "nul_in_text"
NON_FINITE_LINE = "non_finite_line"
INVALID_HANDICAP_TYPE = "invalid_handicap_type"
TEXT_TOO_LONG = "text_too_long"
INVALID_TEXT = "invalid_text"  # not encodable as UTF-8 (lone surrogates), or not a string
BAD_KICKOFF = "bad_kickoff"
INVALID_VALUE = "invalid_value"  # a line, handicap or groups value of the wrong type
DUPLICATE_MARKET = "duplicate_market"  # a key (market id, line, handicap) already in the snapshot

MAX_SPORTRADAR_ID_LENGTH = 50  # event_scrape_status.sportradar_id is varchar(50)
# Names and ids: the columns are ``text``, but the unique indexes on tournament names (and on
# competitor external ids) refuse an index row over a few kB, and no real name comes near this.
MAX_TEXT_LENGTH = 255
MAX_MESSAGE_LENGTH = 1000  # an error message kept in ``error_details``
# A kickoff is refused when it lies further from the scrape time than this (an event that started a
# few hours ago may still be listed; one in another decade is a broken payload).
KICKOFF_PAST_TOLERANCE = timedelta(days=1)
KICKOFF_HORIZON = timedelta(days=366)
_EARLIEST_KICKOFF = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST_KICKOFF = datetime(2100, 1, 1, tzinfo=UTC)

_INF = math.inf
_HANDICAP_TYPES = frozenset({None, "asian", "european"})
_NUMBERS = (float, int)
_INT4_MAX = 2**31 - 1


def text_problem(text: object) -> str | None:
    """Why ``text`` cannot be stored as a name (``nul_in_text``, ``text_too_long``, ``invalid_text``)."""
    if not isinstance(text, str):
        return INVALID_TEXT
    if "\x00" in text:
        return NUL_IN_TEXT
    if len(text) > MAX_TEXT_LENGTH:
        return TEXT_TOO_LONG
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return INVALID_TEXT
    return None


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
            if not 0.0 < odds < _INF or odds.__class__ not in _NUMBERS:
                return _odds_reason(odds)
            if outcome.is_active.__class__ is not bool:
                return INVALID_VALUE
            name = outcome.name
            if "\x00" in name or len(name) > MAX_TEXT_LENGTH or not name.isascii():
                problem = text_problem(name)
                if problem is not None:
                    return problem
        for text in (market.market_id, market.market_name):
            if "\x00" in text or len(text) > MAX_TEXT_LENGTH or not text.isascii():
                problem = text_problem(text)
                if problem is not None:
                    return problem
    except TypeError:
        # odds that are not numbers, or text fields that are not strings
        return INVALID_ODDS
    try:
        line = market.line
        if line is not None and (not -_INF < line < _INF or line.__class__ not in _NUMBERS):
            return NON_FINITE_LINE if line.__class__ in _NUMBERS else INVALID_VALUE
        if market.handicap_type not in _HANDICAP_TYPES:
            return INVALID_HANDICAP_TYPE
        for value in (market.handicap_home, market.handicap_away):
            if value is not None and (not -_INF < value < _INF or value.__class__ not in _NUMBERS):
                return NON_FINITE_LINE if value.__class__ in _NUMBERS else INVALID_VALUE
        groups = market.groups
        if groups is not None:
            for group in groups:
                if "\x00" in group or len(group) > MAX_TEXT_LENGTH or not group.isascii():
                    problem = text_problem(group)
                    if problem is not None:
                        return problem
    except TypeError:
        return INVALID_VALUE  # a line, handicap or group list of the wrong type
    return None


def sportradar_id_problem(sportradar_id: str) -> str | None:
    """Why this SportRadar id cannot key an event row, or ``None``."""
    if not sportradar_id:
        return "empty sportradar_id"
    if len(sportradar_id) > MAX_SPORTRADAR_ID_LENGTH:
        return f"sportradar_id longer than {MAX_SPORTRADAR_ID_LENGTH} characters"
    if "\x00" in sportradar_id:
        return "sportradar_id contains a NUL byte"
    if text_problem(sportradar_id) is not None:
        return "sportradar_id is not valid text"
    return None


def kickoff_problem(kickoff: datetime, scraped_at: datetime | None) -> str | None:
    """``bad_kickoff: ...`` when the kickoff is absurd (before 2000, after 2100) or, with a scrape
    time, more than ``KICKOFF_PAST_TOLERANCE`` before it or ``KICKOFF_HORIZON`` after it."""
    if not isinstance(kickoff, datetime) or kickoff.tzinfo is None:
        return f"{BAD_KICKOFF}: not an aware datetime"
    if not _EARLIEST_KICKOFF <= kickoff < _LATEST_KICKOFF:
        return f"{BAD_KICKOFF}: {kickoff.isoformat()} is outside 2000-2099"
    if scraped_at is not None:
        if kickoff < scraped_at - KICKOFF_PAST_TOLERANCE:
            return f"{BAD_KICKOFF}: {kickoff.isoformat()} is over a day before the scrape"
        if kickoff > scraped_at + KICKOFF_HORIZON:
            return f"{BAD_KICKOFF}: {kickoff.isoformat()} is over a year after the scrape"
    return None


_FACT_PROBLEMS = {NUL_IN_TEXT: "event data contains a NUL byte", INVALID_TEXT: "event data is not valid text"}
_NAME_FIELDS = ("home_team", "away_team", "tournament", "tournament_id", "country")


def _skipped_problem(skipped: Mapping[str, int]) -> str | None:
    try:
        for reason, count in skipped.items():
            if text_problem(reason) is not None or count.__class__ is not int or not 0 <= count <= _INT4_MAX:
                return "unstorable skipped-market counters"
    except (AttributeError, TypeError):
        return "unstorable skipped-market counters"
    return None


def clean_event_facts(odds: EventOdds, scraped_at: datetime | None = None) -> tuple[EventOdds | None, str]:
    """Check one site's event facts before they are stored.

    Returns ``(None, reason)`` when the site must count as failed, ``(cleaned, note)`` when names over
    ``MAX_TEXT_LENGTH`` characters were cut (the note says which), ``(odds, "")`` when all is well.
    """
    problem = event_facts_problem(odds) or kickoff_problem(odds.kickoff, scraped_at)
    if problem is not None:
        return None, problem
    cut: dict[str, str] = {}
    for field in _NAME_FIELDS:
        value = getattr(odds, field)
        if value is not None and len(value) > MAX_TEXT_LENGTH:
            cut[field] = value[:MAX_TEXT_LENGTH]
    if not cut:
        return odds, ""
    note = f"{TEXT_TOO_LONG}: {', '.join(cut)} cut to {MAX_TEXT_LENGTH} characters"
    changes: dict[str, Any] = cut
    return attrs.evolve(odds, **changes), note


def event_facts_problem(odds: EventOdds) -> str | None:
    """Why a site's event facts cannot be stored (the site then counts as failed), or ``None``.

    Over-long names are not a problem here (``clean_event_facts`` cuts them); an over-long platform
    event id is, since it is the row's identity.
    """
    event_id = odds.platform_event_id
    if not event_id:
        return "empty platform event id"
    id_problem = text_problem(event_id)
    if id_problem == TEXT_TOO_LONG:
        return f"platform event id longer than {MAX_TEXT_LENGTH} characters"
    if id_problem is not None:
        return _FACT_PROBLEMS[id_problem]
    for field in _NAME_FIELDS:
        value = getattr(odds, field)
        if value is None:
            continue
        problem = text_problem(value)
        if problem is not None and problem != TEXT_TOO_LONG:
            return _FACT_PROBLEMS[problem]
    for count in (odds.markets_seen, odds.markets_mapped):
        if count.__class__ is not int or not 0 <= count <= _INT4_MAX:
            return "unstorable market counters"
    return _skipped_problem(odds.skipped)


def clean_message(message: object) -> str:
    """A message fit for ``error_details`` (jsonb): NUL bytes dropped, lone surrogates replaced, at
    most ``MAX_MESSAGE_LENGTH`` characters. Never raises."""
    text = message if isinstance(message, str) else repr(message)
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 3] + "..."
    return text


def format_rejections(rejected: Mapping[str, int]) -> str:
    """``"rejected 2 markets: non_finite_odds=1, empty_outcomes=1"`` (reasons in first-seen order)."""
    total = sum(rejected.values())
    noun = "market" if total == 1 else "markets"
    return f"rejected {total} {noun}: " + ", ".join(f"{reason}={n}" for reason, n in rejected.items())
