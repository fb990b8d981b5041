"""One event side by side: every market on the three sites (joined on market id, line and handicap),
each site's margin and fair odds, the consensus fair odds and the prices with value, and availability:
which sites returned the event, and the markets and lines one site offers and another does not.

Fair odds and margins exist only for a site pricing a complete set of active outcomes (``None``
otherwise); the consensus is over those sites (see ``oddsstore.reads.fair``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from oddsstore.models import Platform
from oddsstore.reads.board import BoardOutcome, Priced, compare_listed
from oddsstore.reads.common import MarketKey, iso, key_dict, site_order
from oddsstore.reads.fair import (
    DEFAULT_VALUE_THRESHOLD,
    FairMethod,
    ValuePrice,
    consensus_of,
    fair_probabilities,
    value,
)
from oddsstore.reads.lines import line_order
from oddsstore.reads.odds import SitePrices

__all__ = ["Availability", "EventComparison", "MarketComparison", "build_comparison"]


@attrs.frozen(slots=True)
class MarketComparison:
    key: MarketKey
    market_name: str
    sites: tuple[Platform, ...]  # the sites offering the market
    margins: Mapping[Platform, float | None]
    fair_odds: Mapping[Platform, Mapping[str, float] | None]  # per offering site; None: no complete set
    consensus_fair_odds: Mapping[str, float]  # {} when no site prices a complete set
    value: tuple[ValuePrice, ...]
    outcomes: tuple[BoardOutcome, ...]  # each site's price, the best competitor, BetPawa's gap

    @property
    def market_id(self) -> str:
        return self.key[0]

    @property
    def line(self) -> float | None:
        return self.key[1]

    def to_dict(self) -> dict[str, object]:
        return {
            **key_dict(self.key),
            "market_name": self.market_name,
            "sites": [p.value for p in self.sites],
            "margins": {p.value: self.margins[p] for p in self.sites},
            "fair_odds": {p.value: None if (f := self.fair_odds[p]) is None else dict(f) for p in self.sites},
            "consensus_fair_odds": dict(self.consensus_fair_odds),
            "value": [v.to_dict() for v in self.value],
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


@attrs.frozen(slots=True)
class Availability:
    """A market (one line of it) some sites that returned the event offer and others do not."""

    key: MarketKey
    offered_by: tuple[Platform, ...]
    missing_on: tuple[Platform, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            **key_dict(self.key),
            "offered_by": [p.value for p in self.offered_by],
            "missing_on": [p.value for p in self.missing_on],
        }


@attrs.frozen(slots=True)
class EventComparison:
    sportradar_id: str
    home_team: str
    away_team: str
    kickoff: datetime
    tournament: str | None
    at: datetime | None  # None: now (current odds)
    method: FairMethod
    captured_at: Mapping[Platform, datetime]  # per site that returned the event: its snapshot's time
    missing_sites: tuple[Platform, ...]  # sites with no snapshot (at ``at``): nothing to compare
    markets: tuple[MarketComparison, ...]  # by market id, then line
    availability: tuple[Availability, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "sportradar_id": self.sportradar_id,
            "home_team": self.home_team,
            "away_team": self.away_team,
            "kickoff": iso(self.kickoff),
            "tournament": self.tournament,
            "at": iso(self.at),
            "method": self.method.value,
            "captured_at": {p.value: iso(self.captured_at[p]) for p in site_order(self.captured_at.keys())},
            "missing_sites": [p.value for p in self.missing_sites],
            "markets": [m.to_dict() for m in self.markets],
            "availability": [a.to_dict() for a in self.availability],
        }


def _compare(
    key: MarketKey, listed: Sequence[tuple[Platform, Priced]], method: FairMethod, threshold: float
) -> MarketComparison:
    """One market key across the sites listing it (``listed`` in site order)."""
    base = compare_listed(key, listed)
    margins = base.margins
    complete: dict[str, dict[str, float]] = {}  # fair probabilities of the sites with a margin
    fair: dict[Platform, Mapping[str, float] | None] = {}
    offered: dict[str, dict[str, float]] = {}  # the open prices (a closed one is negated: never > 1)
    for p, (_, names, signed) in listed:
        site = p.value
        if margins[p] is None:  # a margin exists only over a complete set of active prices
            fair[p] = None
        else:
            probs = dict(zip(names, fair_probabilities(signed, method), strict=True))
            complete[site] = probs
            fair[p] = {n: 1.0 / q for n, q in probs.items()}
        offered[site] = {n: o for n, o in zip(names, signed, strict=True) if o > 1.0}
    agreed = consensus_of(complete)
    return MarketComparison(
        key=key,
        market_name=base.market_name,
        sites=base.sites,
        margins=margins,
        fair_odds=fair,
        consensus_fair_odds=agreed,
        value=value(offered, agreed, threshold),
        outcomes=base.outcomes,
    )


def build_comparison(
    facts: Mapping[str, object],
    sites: Mapping[Platform, SitePrices],
    *,
    at: datetime | None,
    method: FairMethod,
    threshold: float = DEFAULT_VALUE_THRESHOLD,
) -> EventComparison:
    """The comparison from the event's facts (``select_event_facts``) and each site's snapshot."""
    keys: dict[MarketKey, list[tuple[Platform, Priced]]] = {}  # each key's sites in site order
    for platform in site_order(sites.keys()):
        for k, market in sites[platform].markets:
            listed = keys.get(k)
            if listed is None:
                keys[k] = [(platform, market)]
            elif listed[-1][0] is platform:  # the same key twice on one site: the later one counts
                listed[-1] = (platform, market)
            else:
                listed.append((platform, market))
    ordered = sorted(keys, key=lambda k: (k[0], *line_order(k)))
    returned = tuple(site_order(sites.keys()))
    kickoff = facts["kickoff"]
    assert isinstance(kickoff, datetime)
    return EventComparison(
        sportradar_id=str(facts["sportradar_id"]),
        home_team=str(facts["home_team"]),
        away_team=str(facts["away_team"]),
        kickoff=kickoff,
        tournament=None if facts["tournament"] is None else str(facts["tournament"]),
        at=at,
        method=method,
        captured_at={p: sites[p].captured_at for p in returned},
        missing_sites=tuple(p for p in site_order(list(Platform)) if p not in sites),
        markets=tuple(_compare(k, keys[k], method, threshold) for k in ordered),
        availability=tuple(
            _availability(k, keys[k], returned) for k in ordered if len(keys[k]) < len(returned)
        ),
    )


def _availability(
    key: MarketKey, listed: Sequence[tuple[Platform, Priced]], returned: Sequence[Platform]
) -> Availability:
    offered_by = tuple(p for p, _ in listed)
    missing_on = tuple(p for p in returned if p not in offered_by)
    return Availability(key=key, offered_by=offered_by, missing_on=missing_on)
