"""BetPawa event detail (v3 and v4 shapes). BetPawa is the canonical taxonomy: every market is kept, with
its own id; outcome names are aligned with the mapping table's where the market is in it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oddsstore.models import EventOdds, Outcome, Platform
from oddsstore.parsing import assembly as a
from oddsstore.parsing.common import (
    as_list,
    as_mapping,
    field,
    id_field,
    id_text,
    index,
    kickoff_iso,
    list_field,
    mapping_field,
    number,
    odds_value,
    opt_mapping,
    opt_text,
    str_field,
)
from oddsstore.parsing.errors import ParseError
from oddsstore.parsing.mapping import ASIAN, EUROPEAN, MarketDef, market_table, normalise_name

_HANDICAP_TYPES = {"ASIAN": ASIAN, "EUROPEAN": EUROPEAN}
_UNMAPPED_POSITION = 1000  # outcomes the table does not know go after the known ones, in source order


def sportradar_id(item: Mapping[str, Any], path: str) -> str | None:
    """The SR match id: ``id`` of the ``widgets[]`` item whose type is SPORTRADAR; None when absent."""
    widgets = item.get("widgets")
    if widgets is None:
        return None
    wpath = f"{path}.widgets" if path else "widgets"
    for i, widget in enumerate(as_list(widgets, wpath)):
        if isinstance(widget, Mapping) and widget.get("type") == "SPORTRADAR" and widget.get("id"):
            return id_text(widget["id"], index(wpath, i) + ".id")
    return None


def teams(item: Mapping[str, Any], path: str) -> tuple[str, str]:
    """Home and away names from ``participants[]`` (position 1 = home, 2 = away)."""
    ppath = f"{path}.participants" if path else "participants"
    by_position: dict[int, str] = {}
    for i, participant in enumerate(list_field(item, "participants", path)):
        p = as_mapping(participant, index(ppath, i))
        position = p.get("position")
        if isinstance(position, int) and not isinstance(position, bool):
            by_position.setdefault(position, str_field(p, "name", index(ppath, i)))
    if 1 not in by_position or 2 not in by_position:
        raise ParseError(ppath, "expected participants at positions 1 and 2")
    return by_position[1], by_position[2]


def _handicap_text(raw: Any) -> float | None:
    """``"-1.5"`` -> -1.5; ``"Home -1"`` -> -1; ``"Away +1"`` -> -1 (the home handicap)."""
    value = number(raw)
    if value is not None or not isinstance(raw, str):
        return value
    side, _, amount = raw.strip().partition(" ")
    value = number(amount.strip())
    if value is None:
        return None
    side = side.lower()
    if side == "home":
        return value
    if side == "away":
        return -value
    return None


def _row_line(row: Mapping[str, Any], prices: list[Any]) -> float | None:
    """formattedHandicap when numeric, else the home price's handicap, else the row specifier (v4)."""
    line = number(row.get("formattedHandicap"))
    if line is not None:
        return line
    home = next((p for p in prices if isinstance(p, Mapping) and p.get("name") == "1"), None)
    if home is None and prices and isinstance(prices[0], Mapping):
        home = prices[0]
    if home is not None:
        line = _handicap_text(home.get("handicap"))
        if line is not None:
            return line
    specifier = row.get("specifier")
    if isinstance(specifier, Mapping):
        for key in ("total", "hcp"):
            line = _handicap_text(specifier.get(key))
            if line is not None:
                return line
    return None


def _groups(market_type: Mapping[str, Any]) -> tuple[str, ...]:
    tabs = market_type.get("tabs")
    kept = tuple(t for t in tabs if isinstance(t, str) and t != "all") if isinstance(tabs, list) else ()
    return kept or ("other",)


def _outcome(
    price: Any, k: int, mdef: MarketDef | None, asm: a.MarketAssembler
) -> tuple[int, Outcome] | None:
    if not isinstance(price, Mapping) or not isinstance(price.get("name"), str) or not price["name"].strip():
        asm.skip(a.UNKNOWN_OUTCOME)
        return None
    name: str = price["name"].strip()
    active = price.get("suspended") is not True
    odds = odds_value(price["price"] if "price" in price else price.get("odds"))
    if odds is None:
        asm.skip(a.BAD_ODDS if active else a.INACTIVE_OUTCOME)
        return None
    position = _UNMAPPED_POSITION + k
    if mdef is not None:
        canonical = mdef.aliases.get(normalise_name(name))
        if canonical is not None:
            name, position = canonical, mdef.positions[canonical]
    return position, Outcome(name=name, odds=odds, is_active=active)


def _market(market: Any, path: str, asm: a.MarketAssembler) -> None:
    m = as_mapping(market, path)
    market_type = mapping_field(m, "marketType", path)
    market_id = id_field(market_type, "id", f"{path}.marketType")
    rows = list_field(m, "row", path)
    mdef = market_table().betpawa.get(market_id)
    name = opt_text(market_type, "name") or (mdef.name if mdef else market_id)
    handicap_type = _HANDICAP_TYPES.get(str(market_type.get("handicapType") or "").upper())
    if handicap_type is None and mdef is not None:
        handicap_type = mdef.handicap_type
    groups = _groups(market_type)

    by_line: dict[float | None, list[tuple[int, Outcome]]] = {}  # rows of one line are one market
    for raw_row in rows:
        asm.seen += 1
        if not isinstance(raw_row, Mapping) or not isinstance(raw_row.get("prices"), list):
            asm.skip(a.MALFORMED_MARKET)
            continue
        prices: list[Any] = raw_row["prices"]
        line = _row_line(raw_row, prices)
        outcomes = by_line.setdefault(line, [])
        for price in prices:
            resolved = _outcome(price, len(outcomes), mdef, asm)
            if resolved is not None:
                outcomes.append(resolved)
    for line, outcomes in by_line.items():
        has_handicap = handicap_type is not None and line is not None
        asm.add(
            market_id=market_id,
            market_name=name,
            outcomes=outcomes,
            line=line,
            handicap_type=handicap_type if has_handicap else None,
            handicap_home=line if has_handicap else None,
            handicap_away=-line + 0.0 if has_handicap and line is not None else None,
            groups=groups,
        )


def event_facts(item: Mapping[str, Any], path: str) -> tuple[str, a.EventFacts | None]:
    """A BetPawa event's id and facts (list item or event detail); no facts without a SportRadar id."""
    event_id = id_field(item, "id", path)
    kickoff = kickoff_iso(field(item, "startTime", path), f"{path}.startTime" if path else "startTime")
    home, away = teams(item, path)
    sr_id = sportradar_id(item, path)
    if sr_id is None:
        return event_id, None
    competition = opt_mapping(item, "competition")
    return event_id, a.EventFacts(
        sportradar_id=sr_id,
        platform_event_id=event_id,
        kickoff=kickoff,
        home_team=home,
        away_team=away,
        tournament=opt_text(competition, "name"),
        tournament_id=opt_text(competition, "id"),
        country=opt_text(opt_mapping(item, "region"), "name"),
    )


def parse_betpawa_event(payload: Any) -> EventOdds:
    root = as_mapping(payload, "<root>")
    _, facts = event_facts(root, "")
    if facts is None:
        raise ParseError("widgets", "no SPORTRADAR widget")
    asm = a.MarketAssembler()
    for i, market in enumerate(list_field(root, "markets", "")):
        try:
            _market(market, index("markets", i), asm)
        except ParseError:
            asm.seen += 1
            asm.skip(a.MALFORMED_MARKET)
    return asm.build(Platform.BETPAWA, facts)
