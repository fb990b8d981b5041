"""Stored events for the comparison reads: the genuine SR 68995116 payloads, and hand-made markets with
known prices (no library code beyond parsing and the models)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from oddsstore.models import (
    ALL_PLATFORMS,
    EventOdds,
    Market,
    Outcome,
    Platform,
    ScrapeBatch,
    ScrapedEvent,
    SiteResult,
)
from oddsstore.parsing import parse_event

FIXTURES = Path(__file__).parent / "fixtures"
GENUINE = {
    Platform.BETPAWA: "betpawa/event_v3_prematch_68995116.json",
    Platform.SPORTYBET: "sportybet/event_prematch_68995116.json",
    Platform.BET9JA: "bet9ja/event_prematch_68995116.json",
}


def genuine() -> dict[Platform, EventOdds]:
    return {p: parse_event(p, json.loads((FIXTURES / f).read_text())) for p, f in GENUINE.items()}


def batch_of(events: Sequence[Mapping[Platform, EventOdds]], at: datetime) -> ScrapeBatch:
    """One batch holding each event as the given sites returned it at ``at``."""
    scraped = []
    for sites in events:
        sr = next(iter(sites.values())).sportradar_id
        scraped.append(
            ScrapedEvent(
                sportradar_id=sr,
                platforms_requested=tuple(p for p in ALL_PLATFORMS if p in sites),
                results=tuple(SiteResult(platform=p, odds=sites[p]) for p in ALL_PLATFORMS if p in sites),
                scraped_at=at,
            )
        )
    return ScrapeBatch(events=tuple(scraped))


def one_x_two(a: float, x: float, b: float, *, closed: str | None = None) -> Market:
    return Market(
        "3743",
        "1X2 - FT",
        tuple(Outcome(n, o, is_active=n != closed) for n, o in (("1", a), ("X", x), ("2", b))),
    )


def asian_handicap(line: float, home: float, away: float, *, closed: bool = False) -> Market:
    return Market(
        "3774",
        "Asian Handicap",
        (Outcome("1", home), Outcome("2", away, is_active=not closed)),
        line=line,
        handicap_type="asian",
        handicap_home=line,
        handicap_away=-line,
    )


def event_on(
    platform: Platform, sr: str, kickoff: datetime, markets: Sequence[Market], tournament: str = "Test League"
) -> EventOdds:
    return EventOdds(
        platform=platform,
        sportradar_id=sr,
        platform_event_id=f"{platform.value}-{sr}",
        kickoff=kickoff,
        home_team=f"Home {sr}",
        away_team=f"Away {sr}",
        markets=tuple(markets),
        tournament=tournament,
        markets_seen=len(markets),
        markets_mapped=len(markets),
    )
