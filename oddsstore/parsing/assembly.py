"""The shared end of every event parser: collect normalised markets, count skips, build ``EventOdds``.

Each site parser resolves its source markets into ``add(...)`` calls; this class enforces the common
rules: a market with no usable outcome is skipped, ``(market_id, line)`` is unique within an event (the
first wins), outcomes are ordered by the mapping's position and unique by name, and every skip is counted
by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import attrs

from oddsstore.models import DiscoveredEvent, EventOdds, Market, Outcome, Platform

# Skip reasons (EventOdds.skipped keys).
UNMAPPED_MARKET = "unmapped_market"
MALFORMED_MARKET = "malformed_market"
BAD_SPECIFIER = "bad_specifier"
BAD_ODDS = "bad_odds"
INACTIVE_OUTCOME = "inactive_outcome"  # suspended and without a usable price
UNKNOWN_OUTCOME = "unknown_outcome"  # not in the mapping table
UNMAPPED_OUTCOME = "unmapped_outcome"  # in the table, but BetPawa has no such outcome
DUPLICATE_OUTCOME = "duplicate_outcome"
NO_VALID_OUTCOMES = "no_valid_outcomes"
INACTIVE_MARKET = "inactive_market"
DUPLICATE_MARKET = "duplicate_market"


@attrs.frozen(slots=True)
class EventFacts:
    sportradar_id: str
    platform_event_id: str
    kickoff: datetime
    home_team: str
    away_team: str
    tournament: str | None = None
    tournament_id: str | None = None
    country: str | None = None

    def discovered(self, platform: Platform) -> DiscoveredEvent:
        return DiscoveredEvent(platform=platform, **attrs.asdict(self, recurse=False))


class MarketAssembler:
    """Mutable collector local to one parse call."""

    __slots__ = ("_keys", "_markets", "seen", "skipped")

    def __init__(self) -> None:
        self.skipped: Counter[str] = Counter()
        self.seen = 0
        self._keys: set[tuple[str, float | None]] = set()
        self._markets: list[Market] = []

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count

    def add(
        self,
        *,
        market_id: str,
        market_name: str,
        outcomes: Iterable[tuple[int, Outcome]],
        line: float | None = None,
        handicap_type: str | None = None,
        handicap_home: float | None = None,
        handicap_away: float | None = None,
        groups: tuple[str, ...] | None = None,
    ) -> None:
        if line is not None:
            line += 0.0  # -0.0 and 0.0 are one key
        key = (market_id, line)
        ordered = sorted(outcomes, key=lambda pair: pair[0])
        if not ordered:
            self.skip(NO_VALID_OUTCOMES)
            return
        if key in self._keys:
            self.skip(DUPLICATE_MARKET)
            return
        names: set[str] = set()
        kept: list[Outcome] = []
        for _, outcome in ordered:
            if outcome.name in names:
                self.skip(DUPLICATE_OUTCOME)
                continue
            names.add(outcome.name)
            kept.append(outcome)
        self._keys.add(key)
        self._markets.append(
            Market(
                market_id=market_id,
                market_name=market_name,
                outcomes=tuple(kept),
                line=line,
                handicap_type=handicap_type,
                handicap_home=handicap_home,
                handicap_away=handicap_away,
                groups=groups,
            )
        )

    def build(self, platform: Platform, facts: EventFacts) -> EventOdds:
        return EventOdds(
            platform=platform,
            sportradar_id=facts.sportradar_id,
            platform_event_id=facts.platform_event_id,
            kickoff=facts.kickoff,
            home_team=facts.home_team,
            away_team=facts.away_team,
            markets=tuple(self._markets),
            tournament=facts.tournament,
            tournament_id=facts.tournament_id,
            country=facts.country,
            markets_seen=self.seen,
            markets_mapped=len(self._markets),
            skipped=dict(self.skipped),
        )
