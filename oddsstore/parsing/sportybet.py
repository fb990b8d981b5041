"""SportyBet ``factsCenter/event``: markets looked up by id, lines from the specifier grammar, outcomes by
desc (case-insensitive).

When a desc does not match the table, the outcome falls back to the table's outcome in the same place,
found from what the desc is decorated with: the line (``"Home & Over 2.5"`` -> Home & Over), its leading
word (``"Home (-0.5)"`` -> Home), a team name (``"Wuhan Three Towns FC"`` -> Home), or ``/`` for "or"
(``"Home/Draw & Yes"``).
A blind fallback by list index is not used: it mislabels whole markets (SportyBet's Multigoals lists
``1-2, 1-3...`` where the table has ``0-1 Goals, 2-3 Goals...``; its ``Home/Away & Yes`` sits where the
table has ``Draw or Away & Yes``). What cannot be placed is counted as ``unknown_outcome``.

Player markets (``SPORTYBET_PLAYER_MARKETS``: Anytime Goalscorer) have no table outcomes: each desc is
turned into BetPawa's spelling of the player (``"Hailong, Li (Qingdao Hainiu FC)"`` -> ``"Li Hailong"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oddsstore.models import EventOdds, Outcome, Platform
from oddsstore.parsing import assembly as a
from oddsstore.parsing.common import (
    as_mapping,
    field,
    id_field,
    index,
    kickoff_unix_ms,
    list_field,
    mapping_field,
    number,
    odds_value,
    opt_mapping,
    opt_text,
    str_field,
)
from oddsstore.parsing.errors import ParseError
from oddsstore.parsing.mapping import HANDICAP, TOTAL, OutcomeRef, SportyMarket, market_table
from oddsstore.parsing.specifiers import Specifier, parse_specifier

_MATCH_PREFIX = "sr:match:"
_ACTIVE, _SUSPENDED = 0, 1  # market status; anything else (deactivated, settled, cancelled) is skipped


def sportradar_id(event_id: str) -> str | None:
    """``"sr:match:61300947"`` -> ``"61300947"``; None for anything else."""
    if event_id.startswith(_MATCH_PREFIX):
        number = event_id[len(_MATCH_PREFIX) :]
        if number.isdigit() and number.isascii():
            return number
    return None


def market_line(sm: SportyMarket, spec: Specifier) -> float | None:
    """The line of a SportyBet market entry, from the specifier key the table names for it (the total,
    the home handicap, or another key such as ``goalnr``); a market without one takes its total, else its
    home handicap, else None. ParseError when the named key is missing or not a number."""
    if sm.line_key is None:
        return spec.total if spec.total is not None else spec.handicap_home
    if sm.line_key == TOTAL:
        line = spec.total
    elif sm.line_key == HANDICAP:
        line = spec.handicap_home
    else:
        value = number(spec.extras.get(sm.line_key))
        line = None if value is None else value + 0.0
    if line is None:
        raise ParseError("specifier", f"the market's line ({sm.line_key}) is missing")
    return line


def _resolve(sm: SportyMarket, desc: Any, teams: tuple[str, str]) -> OutcomeRef | None:
    if not isinstance(desc, str):
        return None
    text = desc.strip().lower()
    ref = sm.by_desc.get(text)
    if ref is not None:
        return ref
    for team, side in zip(teams, ("home", "away"), strict=True):
        if team and text.startswith(team):
            text = side + text[len(team) :]
            break
    words = [word for word in text.split() if number(word) is None]  # "Home & Over 2.5" -> home & over
    stripped = " ".join(words)
    for candidate in (text, stripped, stripped.replace("/", " or "), words[0] if words else ""):
        ref = sm.by_desc.get(candidate)
        if ref is not None:
            return ref
    return None


def player_name(desc: Any) -> str | None:
    """``"Hailong, Li (Qingdao Hainiu FC)"`` -> ``"Li Hailong"``: a SportyBet player as BetPawa names him."""
    if not isinstance(desc, str):
        return None
    name = desc.strip()
    if name.endswith(")") and " (" in name:
        name = name[: name.rindex(" (")]
    surname, comma, given = name.partition(",")
    return " ".join(f"{given} {surname}".split() if comma else name.split()) or None


def _player(sm: SportyMarket, desc: Any, index: int) -> OutcomeRef | None:
    name = player_name(desc)
    return None if name is None else OutcomeRef(sm.market, name, index)  # the site's order


def _outcomes(
    sm: SportyMarket, outcomes: list[Any], suspended: bool, teams: tuple[str, str], asm: a.MarketAssembler
) -> list[tuple[int, Outcome]]:
    kept: list[tuple[int, Outcome]] = []
    for k, raw in enumerate(outcomes):
        if not isinstance(raw, Mapping):
            asm.skip(a.UNKNOWN_OUTCOME)
            continue
        desc = raw.get("desc")
        ref = _player(sm, desc, k) if sm.players else _resolve(sm, desc, teams)
        if ref is None:
            asm.skip(a.UNKNOWN_OUTCOME)
            continue
        if ref.name is None:
            asm.skip(a.UNMAPPED_OUTCOME)
            continue
        active = raw.get("isActive") == 1 and not suspended
        odds = odds_value(raw.get("odds"))
        if odds is None:
            asm.skip(a.BAD_ODDS if active else a.INACTIVE_OUTCOME)
            continue
        kept.append((ref.position, Outcome(name=ref.name, odds=odds, is_active=active)))
    return kept


def _market(market: Any, path: str, teams: tuple[str, str], asm: a.MarketAssembler) -> None:
    m = as_mapping(market, path)
    sm = market_table().sportybet.get(id_field(m, "id", path))
    if sm is None:
        asm.skip(a.UNMAPPED_MARKET)
        return
    status = m.get("status", _ACTIVE)
    if status not in (_ACTIVE, _SUSPENDED) or isinstance(status, bool):
        asm.skip(a.INACTIVE_MARKET)
        return
    try:
        spec = parse_specifier(m.get("specifier"))
        line = market_line(sm, spec)
    except ParseError:
        asm.skip(a.BAD_SPECIFIER)
        return
    outcomes = _outcomes(sm, list_field(m, "outcomes", path), status == _SUSPENDED, teams, asm)
    asm.add(
        market_id=sm.market.market_id,
        market_name=sm.market.name,
        outcomes=outcomes,
        line=line,
        handicap_type=spec.handicap_type,
        handicap_home=spec.handicap_home,
        handicap_away=spec.handicap_away,
    )


def event_facts(item: Mapping[str, Any], path: str) -> tuple[str, a.EventFacts | None]:
    """A SportyBet event's id and facts (list item or event detail); no facts without a SportRadar id."""
    event_id = str_field(item, "eventId", path)
    kickoff = kickoff_unix_ms(field(item, "estimateStartTime", path), f"{path}.estimateStartTime")
    home, away = str_field(item, "homeTeamName", path), str_field(item, "awayTeamName", path)
    sr_id = sportradar_id(event_id)
    if sr_id is None:
        return event_id, None
    category = opt_mapping(opt_mapping(item, "sport"), "category")
    tournament = opt_mapping(category, "tournament")
    return event_id, a.EventFacts(
        sportradar_id=sr_id,
        platform_event_id=event_id,
        kickoff=kickoff,
        home_team=home,
        away_team=away,
        tournament=opt_text(tournament, "name"),
        tournament_id=opt_text(tournament, "id"),
        country=opt_text(category, "name"),
    )


def parse_sportybet_event(payload: Any) -> EventOdds:
    """The whole response body ``{"bizCode": ..., "data": {...}}`` (the client checked bizCode)."""
    data = mapping_field(as_mapping(payload, "<root>"), "data", "")
    event_id, facts = event_facts(data, "data")
    if facts is None:
        raise ParseError("data.eventId", f"expected 'sr:match:<digits>', got {event_id!r:.60}")
    teams = (facts.home_team.lower(), facts.away_team.lower())
    asm = a.MarketAssembler()
    for i, market in enumerate(list_field(data, "markets", "data")):
        asm.seen += 1
        try:
            _market(market, index("data.markets", i), teams, asm)
        except ParseError:
            asm.skip(a.MALFORMED_MARKET)
    return asm.build(Platform.SPORTYBET, facts)
