"""The simulated football board: competitions, events, which sites list them; deterministic from a seed.

Only the facts of each event are kept (a few hundred bytes each); bodies and odds are generated on demand
(see :mod:`oddsstore.devtools.simulator.odds` and :mod:`oddsstore.devtools.simulator.bodies`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from oddsstore.devtools.simulator.catalog import SiteMarket, build_catalog
from oddsstore.models import ALL_PLATFORMS, Platform

_COUNTRIES = (
    "England", "Spain", "Italy", "Germany", "France", "Netherlands", "Portugal", "Belgium",
    "Turkey", "Greece", "Scotland", "Austria", "Switzerland", "Denmark", "Sweden", "Norway",
    "Poland", "Czechia", "Croatia", "Serbia", "Romania", "Ukraine", "Brazil", "Argentina", "Mexico",
    "USA", "Japan", "Korea Republic", "China", "Australia", "Nigeria", "Ghana", "Egypt", "Morocco",
    "South Africa", "Saudi Arabia", "Chile", "Colombia", "Ireland", "Finland",
)  # fmt: skip
_LEAGUES = (
    "Premier League", "Championship", "Super League", "Division 1", "Division 2", "Cup", "Liga 1",
    "Primera Division", "Serie A", "Serie B", "U19 League", "Women's League",
)  # fmt: skip
_TOWNS = (
    "Aldon", "Belmor", "Carvel", "Dunmere", "Eastvale", "Fairholt", "Glenrock", "Harwick", "Ironbridge",
    "Juniper", "Kingsford", "Lakemont", "Marlow", "Northam", "Oakridge", "Portsea", "Queensbury", "Ravenna",
    "Stonehill", "Thornbury", "Upton", "Valemont", "Westbrook", "Yarrow", "Ashby", "Brookfield", "Cresthaven",
    "Dovercourt", "Elmstead", "Foxley", "Greywater", "Highcliff", "Kelso", "Larkspur", "Milbrook", "Newhaven",
)  # fmt: skip
_SUFFIXES = ("FC", "United", "City", "Rovers", "Athletic", "SC", "Stars", "Wanderers", "Town", "Sporting")
_SUBSETS: tuple[frozenset[Platform], ...] = (
    frozenset({Platform.BETPAWA}),
    frozenset({Platform.SPORTYBET}),
    frozenset({Platform.BET9JA}),
    frozenset({Platform.BETPAWA, Platform.SPORTYBET}),
    frozenset({Platform.BETPAWA, Platform.BET9JA}),
    frozenset({Platform.SPORTYBET, Platform.BET9JA}),
)


@attrs.frozen(slots=True)
class BoardConfig:
    events: int = 1300
    seed: int = 1
    competitions: int = 150
    share_all_three: float = 0.7
    days: float = 5.0
    started_share: float = 0.01  # events listed although their kickoff has passed (clients drop them)
    betpawa_missing_widget_share: float = 0.03  # list items without a SPORTRADAR widget
    bet9ja_missing_extid_share: float = 0.01  # Bet9ja events without EXTID (cannot be merged)


@attrs.frozen(slots=True)
class Competition:
    index: int
    name: str
    country: str
    country_index: int

    @property
    def betpawa_id(self) -> str:
        return str(12_000 + self.index)

    @property
    def sportybet_id(self) -> str:
        return f"sr:tournament:{100 + self.index}"

    @property
    def bet9ja_id(self) -> str:
        return str(1_400_000 + self.index)


@attrs.frozen(slots=True)
class BoardEvent:
    index: int
    sportradar_id: str
    home: str
    away: str
    kickoff: datetime
    competition: Competition
    platforms: frozenset[Platform]
    betpawa_widget: bool = True
    bet9ja_extid: bool = True

    def platform_id(self, platform: Platform) -> str:
        if platform is Platform.BETPAWA:
            return str(30_000_000 + self.index)
        if platform is Platform.SPORTYBET:
            return f"sr:match:{self.sportradar_id}"
        return str(770_000_000 + self.index)

    @property
    def bet9ja_code(self) -> str:
        return str(1000 + self.index)


class Board:
    """The events the three simulated sites list, and the market catalogue of each site."""

    def __init__(self, config: BoardConfig, anchor: datetime) -> None:
        self.config = config
        self.anchor = anchor
        rng = random.Random(config.seed)
        n_comp = max(1, min(config.competitions, config.events))
        self.competitions = tuple(
            Competition(
                i,
                _LEAGUES[(i // len(_COUNTRIES)) % len(_LEAGUES)],
                _COUNTRIES[i % len(_COUNTRIES)],
                i % len(_COUNTRIES),
            )
            for i in range(n_comp)
        )
        weights = [1.0 / (k + 1) ** 0.9 for k in range(n_comp)]  # a few big leagues, a long tail
        sr_base = 60_000_000 + (config.seed % 1000) * 10_000
        first_slot = anchor.replace(minute=(anchor.minute // 15) * 15, second=0, microsecond=0)
        slots = max(1, int(config.days * 96))
        events = []
        for i in range(config.events):
            comp = self.competitions[i] if i < n_comp else rng.choices(self.competitions, weights)[0]
            if rng.random() < config.started_share:
                kickoff = first_slot - timedelta(minutes=15 * rng.randint(1, 8))
            else:
                kickoff = first_slot + timedelta(minutes=15 * rng.randint(2, slots))
            platforms = (
                frozenset(ALL_PLATFORMS) if rng.random() < config.share_all_three else rng.choice(_SUBSETS)
            )
            home, away = rng.sample(range(len(_TOWNS) * len(_SUFFIXES)), 2)
            events.append(
                BoardEvent(
                    index=i,
                    sportradar_id=str(sr_base + i),
                    home=_team(home),
                    away=_team(away),
                    kickoff=kickoff,
                    competition=comp,
                    platforms=platforms,
                    betpawa_widget=rng.random() >= config.betpawa_missing_widget_share,
                    bet9ja_extid=rng.random() >= config.bet9ja_missing_extid_share,
                )
            )
        self.events = tuple(events)
        self._by_id: dict[Platform, dict[str, BoardEvent]] = {p: {} for p in ALL_PLATFORMS}
        self._by_comp: dict[Platform, dict[int, list[BoardEvent]]] = {p: {} for p in ALL_PLATFORMS}
        for event in sorted(self.events, key=lambda e: (e.kickoff, e.index)):
            for p in event.platforms:
                self._by_id[p][event.platform_id(p)] = event
                self._by_comp[p].setdefault(event.competition.index, []).append(event)
        self._competition_ids: dict[Platform, dict[str, Competition]] = {
            Platform.BETPAWA: {c.betpawa_id: c for c in self.competitions},
            Platform.SPORTYBET: {c.sportybet_id: c for c in self.competitions},
            Platform.BET9JA: {c.bet9ja_id: c for c in self.competitions},
        }
        self.catalogs: Mapping[Platform, tuple[SiteMarket, ...]] = {
            p: build_catalog(p) for p in ALL_PLATFORMS
        }

    def event(self, platform: Platform, platform_event_id: str) -> BoardEvent | None:
        return self._by_id[platform].get(platform_event_id)

    def on(self, platform: Platform) -> list[BoardEvent]:
        return list(self._by_id[platform].values())

    def competition_events(self, platform: Platform, competition_index: int) -> list[BoardEvent]:
        return self._by_comp[platform].get(competition_index, [])

    def competition(self, platform: Platform, site_id: str) -> Competition | None:
        for comp in self.competitions:
            if (
                site_id
                == {
                    Platform.BETPAWA: comp.betpawa_id,
                    Platform.SPORTYBET: comp.sportybet_id,
                    Platform.BET9JA: comp.bet9ja_id,
                }[platform]
            ):
                return comp
        return None

    def expected_discovery(self, platform: Platform, now: datetime) -> dict[str, str]:
        """SR id -> platform event id of what a complete discovery of ``platform`` finds at ``now``."""
        return {
            e.sportradar_id: e.platform_id(platform)
            for e in self.on(platform)
            if e.kickoff > now and (platform is not Platform.BET9JA or e.bet9ja_extid)
        }

    def summary(self, now: datetime) -> dict[str, object]:
        return {
            "events": len(self.events),
            "competitions": len(self.competitions),
            "on_all_three": sum(1 for e in self.events if len(e.platforms) == 3),
            "per_site": {p.value: len(self._by_id[p]) for p in ALL_PLATFORMS},
            "discoverable": {p.value: len(self.expected_discovery(p, now)) for p in ALL_PLATFORMS},
            "markets_per_event": {p.value: len(self.catalogs[p]) for p in ALL_PLATFORMS},
        }


def _team(n: int) -> str:
    return f"{_TOWNS[n % len(_TOWNS)]} {_SUFFIXES[n // len(_TOWNS)]}"
