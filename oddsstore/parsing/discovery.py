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
from oddsstore.parsing import bet9ja, betpawa, sportybet
from oddsstore.parsing.common import (
    as_mapping,
    index,
    list_field,
    mapping_field,
    opt_text,
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
    event_id, facts = sportybet.event_facts(as_mapping(raw, path), path)
    if facts is None:
        page.missing.append(event_id)
        page.skipped[NO_SPORTRADAR_ID] += 1
        return None
    found = facts.discovered(Platform.SPORTYBET)
    # a list item may leave its tournament to the block it is listed under
    return attrs.evolve(
        found,
        tournament=found.tournament or opt_text(block, "name"),
        tournament_id=found.tournament_id or opt_text(block, "id"),
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
    event_id, facts = bet9ja.event_facts(as_mapping(raw, path), path)
    if facts is None:
        page.missing.append(event_id)
        page.skipped[NO_SPORTRADAR_ID] += 1
        return None
    return facts.discovered(Platform.BET9JA)


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
