"""Bet9ja ``GetEvent``: a flat dict of odds keyed ``S_<MARKET>[@<param>]_<OUTCOME>``, grouped back into
markets by (BetPawa market, param); team totals (``S_HAOU``) split into home and away markets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oddsstore.models import EventOdds, Outcome, Platform
from oddsstore.parsing import assembly as a
from oddsstore.parsing.common import (
    as_mapping,
    field,
    id_field,
    kickoff_naive_utc,
    mapping_field,
    odds_value,
    opt_text,
    split_teams,
    str_field,
)
from oddsstore.parsing.errors import ParseError
from oddsstore.parsing.mapping import BET9JA_FIXED_LINES, MarketDef, market_table
from oddsstore.parsing.oddskeys import param_number, split_odds_key

BAD_ODDS_KEY = "bad_odds_key"


def group_line(market: str, param: str | None) -> float | None:
    """The line of an odds-key group: its numeric parameter (ParseError if not a number); without one, the
    market's fixed line (``BET9JA_FIXED_LINES``) or None."""
    return BET9JA_FIXED_LINES.get(market) if param is None else param_number(param)


def _markets(odds: Any, asm: a.MarketAssembler) -> None:
    table = market_table().bet9ja
    groups: set[tuple[str, str | None]] = set()
    unmapped: set[tuple[str, str | None]] = set()
    buckets: dict[tuple[str, str | None], tuple[MarketDef, list[tuple[int, Outcome]], str]] = {}
    for key, raw in odds.items():
        try:
            market, param, suffix = split_odds_key(key)
        except ParseError:
            asm.skip(BAD_ODDS_KEY)
            continue
        groups.add((market, param))
        refs = table.get(market)
        if refs is None:
            unmapped.add((market, param))
            continue
        ref = refs.get(suffix)
        if ref is None:
            asm.skip(a.UNKNOWN_OUTCOME)
            continue
        if ref.name is None:
            asm.skip(a.UNMAPPED_OUTCOME)
            continue
        value = odds_value(raw)
        if value is None:
            asm.skip(a.BAD_ODDS)
            continue
        bucket = buckets.setdefault((ref.market.market_id, param), (ref.market, [], market))
        bucket[1].append((ref.position, Outcome(name=ref.name, odds=value)))  # no suspended flag
    asm.seen += len(groups)
    if unmapped:
        asm.skip(a.UNMAPPED_MARKET, len(unmapped))
    for (_, param), (mdef, outcomes, market) in buckets.items():
        try:
            line = group_line(market, param)
        except ParseError:
            asm.skip(a.BAD_SPECIFIER)
            continue
        has_handicap = mdef.handicap_type is not None and line is not None
        asm.add(
            market_id=mdef.market_id,
            market_name=mdef.name,
            outcomes=outcomes,
            line=line,
            handicap_type=mdef.handicap_type if has_handicap else None,
            handicap_home=line if has_handicap else None,
            handicap_away=-line + 0.0 if has_handicap and line is not None else None,
        )


def event_facts(item: Mapping[str, Any], path: str) -> tuple[str, a.EventFacts | None]:
    """A Bet9ja event's id and facts (list item or event detail); no facts without a SportRadar id
    (``EXTID`` missing or ``0``)."""
    event_id = id_field(item, "ID", path)
    home, away = split_teams(str_field(item, "DS", path), f"{path}.DS")
    kickoff = kickoff_naive_utc(field(item, "STARTDATE", path), f"{path}.STARTDATE")
    sr_id = opt_text(item, "EXTID")
    if sr_id is None or sr_id == "0":
        return event_id, None
    sg = item.get("SG")
    return event_id, a.EventFacts(
        sportradar_id=sr_id,
        platform_event_id=event_id,
        kickoff=kickoff,
        home_team=home,
        away_team=away,
        tournament=opt_text(item, "GN"),
        tournament_id=opt_text(item, "GID"),
        country=sg.strip() if isinstance(sg, str) and sg.strip() else None,
    )


def parse_bet9ja_event(payload: Any) -> EventOdds:
    """The whole response body ``{"R": "OK", "D": {...}}``.

    The live endpoint's shape (``D.A``/``D.AA``, odds values ``{"v": ...}``) is not an event detail:
    it raises ParseError (``D.ID`` missing).
    """
    data = mapping_field(as_mapping(payload, "<root>"), "D", "")
    _, facts = event_facts(data, "D")
    if facts is None:
        raise ParseError("D.EXTID", "no SportRadar id")
    asm = a.MarketAssembler()
    _markets(mapping_field(data, "O", "D"), asm)
    return asm.build(Platform.BET9JA, facts)
