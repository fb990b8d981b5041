"""Competition trees: BetPawa ``categories/list/2``, SportyBet ``popularAndSportList``, Bet9ja
``GetSports``. Each gives the competitions whose event lists discovery then reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from oddsstore.models import Platform
from oddsstore.parsing.common import (
    as_mapping,
    id_field,
    index,
    list_field,
    mapping_field,
    opt_mapping,
    opt_text,
    str_field,
)
from oddsstore.parsing.errors import ParseError

FOOTBALL_SPORTYBET = "sr:sport:1"
FOOTBALL_BET9JA = "1"


@attrs.frozen(slots=True)
class TreeEntry:
    id: str  # what the site's event-list request takes: competition id, "sr:tournament:N", group id
    name: str
    country: str | None = None


def _betpawa(payload: Any) -> list[TreeEntry]:
    with_regions = list_field(as_mapping(payload, "<root>"), "withRegions", "")
    if not with_regions:
        raise ParseError("withRegions[0]", "missing")
    entries: list[TreeEntry] = []
    regions = list_field(as_mapping(with_regions[0], "withRegions[0]"), "regions", "withRegions[0]")
    for r, raw_region in enumerate(regions):
        rpath = index("withRegions[0].regions", r)
        region = as_mapping(raw_region, rpath)
        country = opt_text(opt_mapping(region, "region"), "name")
        for c, raw in enumerate(list_field(region, "competitions", rpath)):
            cpath = index(f"{rpath}.competitions", c)
            competition = mapping_field(as_mapping(raw, cpath), "competition", cpath)
            entries.append(
                TreeEntry(
                    id=id_field(competition, "id", f"{cpath}.competition"),
                    name=str_field(competition, "name", f"{cpath}.competition"),
                    country=country,
                )
            )
    return entries


def _sportybet(payload: Any) -> list[TreeEntry]:
    sports = list_field(mapping_field(as_mapping(payload, "<root>"), "data", ""), "sportList", "data")
    for s, raw_sport in enumerate(sports):
        spath = index("data.sportList", s)
        sport = as_mapping(raw_sport, spath)
        if sport.get("id") != FOOTBALL_SPORTYBET:
            continue
        entries: list[TreeEntry] = []
        for c, raw_category in enumerate(list_field(sport, "categories", spath)):
            cpath = index(f"{spath}.categories", c)
            category = as_mapping(raw_category, cpath)
            country = opt_text(category, "name")
            for t, raw in enumerate(list_field(category, "tournaments", cpath)):
                tpath = index(f"{cpath}.tournaments", t)
                tournament = as_mapping(raw, tpath)
                entries.append(
                    TreeEntry(
                        id=id_field(tournament, "id", tpath),
                        name=str_field(tournament, "name", tpath),
                        country=country,
                    )
                )
        return entries
    raise ParseError("data.sportList", f"no sport with id {FOOTBALL_SPORTYBET!r}")


def _bet9ja(payload: Any) -> list[TreeEntry]:
    pal = mapping_field(mapping_field(as_mapping(payload, "<root>"), "D", ""), "PAL", "D")
    football = mapping_field(pal, FOOTBALL_BET9JA, "D.PAL")
    entries: list[TreeEntry] = []
    for sg_id, raw_sg in mapping_field(football, "SG", "D.PAL.1").items():
        sgpath = f"D.PAL.1.SG.{sg_id}"
        sg = as_mapping(raw_sg, sgpath)
        country = opt_text(sg, "SG_DESC")
        for g_id, raw_group in mapping_field(sg, "G", sgpath).items():
            gpath = f"{sgpath}.G.{g_id}"
            group = as_mapping(raw_group, gpath)
            entries.append(TreeEntry(id=str(g_id), name=str_field(group, "G_DESC", gpath), country=country))
    return entries


_PARSERS: Mapping[Platform, Callable[[Any], list[TreeEntry]]] = {
    Platform.BETPAWA: _betpawa,
    Platform.SPORTYBET: _sportybet,
    Platform.BET9JA: _bet9ja,
}


def parse_tree(platform: Platform, payload: Mapping[str, Any]) -> list[TreeEntry]:
    """One tree response -> the football competitions it lists (ParseError when its shape is wrong)."""
    return _PARSERS[Platform(platform)](payload)
