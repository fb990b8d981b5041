"""Discovery pages: BetPawa ``events/lists/by-queries``, SportyBet ``pcEvents``, Bet9ja
``GetEventsInGroupV2``. Pure: started events are kept (the client drops them).

A page of the wrong shape raises ParseError; one bad item is counted in ``skipped`` by reason and the
rest of the page is kept. ``missing_sportradar`` lists the platform ids of items without an SR id (BetPawa's
client resolves them from the event detail); on SportyBet and Bet9ja, where the detail cannot help, they
are also counted under ``skipped["no_sportradar_id"]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import attrs

from oddsstore.models import DiscoveredEvent, Platform
from oddsstore.parsing import betpawa, sportybet
from oddsstore.parsing.common import (
    as_mapping,
    field,
    id_field,
    index,
    kickoff_naive_utc,
    kickoff_unix_ms,
    list_field,
    mapping_field,
    opt_mapping,
    opt_text,
    split_teams,
    str_field,
)
from oddsstore.parsing.errors import ParseError

NO_SPORTRADAR_ID = "no_sportradar_id"
MALFORMED_EVENT = "malformed_event"


@attrs.frozen(slots=True)
class DiscoveryPage:
    events: tuple[DiscoveredEvent, ...]
    missing_sportradar: tuple[str, ...] = ()  # platform event ids listed without an SR id
    skipped: Mapping[str, int] = attrs.field(factory=dict)  # reason -> count


class _Page:
    """Mutable collector local to one parse call."""

    def __init__(self) -> None:
        self.events: list[DiscoveredEvent] = []
        self.missing: list[str] = []
        self.skipped: Counter[str] = Counter()

    def item(self, read: Callable[[], DiscoveredEvent | None]) -> None:
        try:
            event = read()
        except ParseError:
            self.skipped[MALFORMED_EVENT] += 1
            return
        if event is not None:
            self.events.append(event)

    def build(self) -> DiscoveryPage:
        return DiscoveryPage(tuple(self.events), tuple(self.missing), dict(self.skipped))


def _betpawa_item(raw: Any, path: str, page: _Page) -> DiscoveredEvent | None:
    event_id, facts = betpawa.event_facts(as_mapping(raw, path), path)
    if facts is None:
        page.missing.append(event_id)
        return None
    return facts.discovered(Platform.BETPAWA)


def _betpawa(payload: Any) -> DiscoveryPage:
    responses = list_field(as_mapping(payload, "<root>"), "responses", "")
    if not responses:
        raise ParseError("responses[0]", "missing")
    items = list_field(as_mapping(responses[0], "responses[0]"), "responses", "responses[0]")
    page = _Page()
    for i, raw in enumerate(items):
        path = index("responses[0].responses", i)
        page.item(partial(_betpawa_item, raw, path, page))
    return page.build()


def _sportybet_item(raw: Any, path: str, block: Mapping[str, Any], page: _Page) -> DiscoveredEvent | None:
    item = as_mapping(raw, path)
    event_id = str_field(item, "eventId", path)
    kickoff = kickoff_unix_ms(field(item, "estimateStartTime", path), f"{path}.estimateStartTime")
    home, away = str_field(item, "homeTeamName", path), str_field(item, "awayTeamName", path)
    sr_id = sportybet.sportradar_id(event_id)
    if sr_id is None:
        page.missing.append(event_id)
        page.skipped[NO_SPORTRADAR_ID] += 1
        return None
    category = opt_mapping(opt_mapping(item, "sport"), "category")
    tournament = opt_mapping(category, "tournament")
    return DiscoveredEvent(
        platform=Platform.SPORTYBET,
        sportradar_id=sr_id,
        platform_event_id=event_id,
        kickoff=kickoff,
        home_team=home,
        away_team=away,
        tournament=opt_text(tournament, "name") or opt_text(block, "name"),
        tournament_id=opt_text(tournament, "id") or opt_text(block, "id"),
        country=opt_text(category, "name"),
    )


def _sportybet(payload: Any) -> DiscoveryPage:
    blocks = list_field(as_mapping(payload, "<root>"), "data", "")
    page = _Page()
    for b, raw_block in enumerate(blocks):
        bpath = index("data", b)
        block = as_mapping(raw_block, bpath)
        for i, raw in enumerate(list_field(block, "events", bpath)):
            path = index(f"{bpath}.events", i)
            page.item(partial(_sportybet_item, raw, path, block, page))
    return page.build()


def _bet9ja_item(raw: Any, path: str, page: _Page) -> DiscoveredEvent | None:
    item = as_mapping(raw, path)
    event_id = id_field(item, "ID", path)
    home, away = split_teams(str_field(item, "DS", path), f"{path}.DS")
    kickoff = kickoff_naive_utc(field(item, "STARTDATE", path), f"{path}.STARTDATE")
    sr_id = opt_text(item, "EXTID")
    if sr_id is None or sr_id == "0":
        page.missing.append(event_id)
        page.skipped[NO_SPORTRADAR_ID] += 1
        return None
    sg = item.get("SG")
    return DiscoveredEvent(
        platform=Platform.BET9JA,
        sportradar_id=sr_id,
        platform_event_id=event_id,
        kickoff=kickoff,
        home_team=home,
        away_team=away,
        tournament=opt_text(item, "GN"),
        tournament_id=opt_text(item, "GID"),
        country=sg.strip() if isinstance(sg, str) and sg.strip() else None,
    )


def _bet9ja(payload: Any) -> DiscoveryPage:
    data = mapping_field(as_mapping(payload, "<root>"), "D", "")
    page = _Page()
    for i, raw in enumerate(list_field(data, "E", "D")):
        path = index("D.E", i)
        page.item(partial(_bet9ja_item, raw, path, page))
    return page.build()


_PARSERS: Mapping[Platform, Callable[[Any], DiscoveryPage]] = {
    Platform.BETPAWA: _betpawa,
    Platform.SPORTYBET: _sportybet,
    Platform.BET9JA: _bet9ja,
}


def parse_discovery_page(platform: Platform, payload: Mapping[str, Any]) -> DiscoveryPage:
    """One discovery response -> its events, the ids listed without an SR id, and skip counts."""
    return _PARSERS[Platform(platform)](payload)


def parse_discovery(platform: Platform, payload: Mapping[str, Any]) -> list[DiscoveredEvent]:
    """One discovery response -> the events that carry an SR id."""
    return list(parse_discovery_page(platform, payload).events)


__all__ = ["DiscoveryPage", "parse_discovery", "parse_discovery_page"]
