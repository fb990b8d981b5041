"""The board: every upcoming event, the picked markets, BetPawa's price against the competitors'.

Per outcome: each site's price (``None`` where the site lists the market but the outcome is closed or
absent), the best competitor price and who has it, and BetPawa's **gap** in percent,
``(betpawa / best_competitor - 1) * 100``: negative when a competitor pays more (BetPawa is
``behind``), positive when BetPawa pays more, ``None`` when either side has no open price. Per market:
each site's margin (``None`` unless the site prices a complete set of active outcomes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from oddsstore.models import Market, Outcome, Platform
from oddsstore.reads.common import (
    MarketKey,
    MarketPick,
    expected_outcomes,
    iso,
    key_dict,
    site_order,
)
from oddsstore.reads.fair import complete_prices, margin
from oddsstore.repositories.odds_codec import decode_odds

__all__ = ["Board", "BoardEvent", "BoardMarket", "BoardOutcome", "build_board"]

_COMPETITORS = (Platform.SPORTYBET, Platform.BET9JA)


@attrs.frozen(slots=True)
class BoardOutcome:
    name: str
    odds: Mapping[Platform, float | None]  # every site listing the market; None: closed or not priced
    best_competitor: Platform | None
    best_competitor_odds: float | None
    gap_pct: float | None  # (betpawa / best_competitor - 1) * 100
    behind: bool  # a competitor pays more than BetPawa

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": self.name,
            "odds": {p.value: self.odds.get(p) for p in site_order(self.odds.keys())},
            "best_competitor": None if self.best_competitor is None else self.best_competitor.value,
            "best_competitor_odds": self.best_competitor_odds,
            "gap_pct": self.gap_pct,
            "behind": self.behind,
        }


@attrs.frozen(slots=True)
class BoardMarket:
    key: MarketKey
    market_name: str  # BetPawa's name when BetPawa lists it, else the first competitor's
    sites: tuple[Platform, ...]  # the sites listing the market, in site order
    margins: Mapping[Platform, float | None]  # per listing site; None: no complete set of active prices
    outcomes: tuple[BoardOutcome, ...]

    @property
    def market_id(self) -> str:
        return self.key[0]

    @property
    def line(self) -> float | None:
        return self.key[1]

    @property
    def behind(self) -> bool:
        return any(o.behind for o in self.outcomes)

    def to_dict(self) -> dict[str, object]:
        return {
            **key_dict(self.key),
            "market_name": self.market_name,
            "sites": [p.value for p in self.sites],
            "margins": {p.value: self.margins[p] for p in self.sites},
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


@attrs.frozen(slots=True)
class BoardEvent:
    sportradar_id: str
    home_team: str
    away_team: str
    kickoff: datetime
    tournament: str | None
    markets: tuple[BoardMarket, ...]  # in pick order, lines ascending

    def to_dict(self) -> dict[str, object]:
        return {
            "sportradar_id": self.sportradar_id,
            "home_team": self.home_team,
            "away_team": self.away_team,
            "kickoff": iso(self.kickoff),
            "tournament": self.tournament,
            "markets": [m.to_dict() for m in self.markets],
        }


@attrs.frozen(slots=True)
class Board:
    kickoff_from: datetime
    kickoff_to: datetime | None
    markets: tuple[MarketPick, ...]
    only_behind: bool
    events: tuple[BoardEvent, ...]  # by kickoff, then sportradar id

    def to_dict(self) -> dict[str, object]:
        return {
            "kickoff_from": iso(self.kickoff_from),
            "kickoff_to": iso(self.kickoff_to),
            "markets": [m.to_dict() for m in self.markets],
            "only_behind": self.only_behind,
            "events": [e.to_dict() for e in self.events],
        }


def _market(r: Mapping[str, Any]) -> Market:
    return Market(
        market_id=r["market_id"],
        market_name=r["market_name"],
        outcomes=tuple(
            Outcome(name=n, odds=abs(p), is_active=p > 0)
            for n, p in zip(r["outcome_names"], decode_odds(r["odds"]), strict=True)
        ),
        line=r["line"],
        handicap_type=r["handicap_type"],
        handicap_home=r["handicap_home"],
        handicap_away=r["handicap_away"],
    )


def line_order(key: MarketKey) -> tuple[bool, float, str, float]:
    """Lines ascending (no line first), then handicap type and home handicap."""
    return (key[1] is not None, key[1] or 0.0, key[2] or "", key[3] or 0.0)


def _spread(m: Market) -> float | None:
    prices = complete_prices(m)
    return None if prices is None or len(prices) != 2 else abs(prices[0] - prices[1])


def main_line(markets: Mapping[Platform, Sequence[Market]]) -> MarketKey | None:
    """The key of the line whose two prices are closest on BetPawa (else on the first competitor in site
    order that prices one), ties to the lower line; None when no site prices a two-way line fully."""
    for platform in site_order(markets.keys()):
        spreads = [
            (s, m.line if m.line is not None else 0.0, m)
            for m in markets[platform]
            if (s := _spread(m)) is not None
        ]
        if spreads:
            best = min(spreads, key=lambda t: (t[0], t[1]))[2]
            return (best.market_id, best.line, best.handicap_type, best.handicap_home, best.handicap_away)
    return None


def compare_outcome(name: str, listed: Mapping[Platform, Market]) -> BoardOutcome:
    odds: dict[Platform, float | None] = {}
    for platform, m in listed.items():
        price = next((o.odds for o in m.outcomes if o.name == name and o.is_active and o.odds > 1.0), None)
        odds[platform] = price
    competitors = [(odds[p], p) for p in _COMPETITORS if odds.get(p) is not None]
    best_odds, best = max(competitors, key=lambda t: t[0] or 0.0) if competitors else (None, None)
    bp = odds.get(Platform.BETPAWA)
    gap = None if bp is None or best_odds is None else (bp / best_odds - 1.0) * 100.0
    return BoardOutcome(
        name=name,
        odds=odds,
        best_competitor=best,
        best_competitor_odds=best_odds,
        gap_pct=gap,
        behind=gap is not None and best_odds is not None and bp is not None and best_odds > bp,
    )


def compare_market(key: MarketKey, listed: Mapping[Platform, Market]) -> BoardMarket:
    sites = tuple(site_order(listed.keys()))
    expected = expected_outcomes(key[0], [[o.name for o in m.outcomes] for m in listed.values()])
    names: list[str] = []
    for p in sites:
        names.extend(o.name for o in listed[p].outcomes if o.name not in names)
    return BoardMarket(
        key=key,
        market_name=listed[sites[0]].market_name,
        sites=sites,
        margins={p: margin(listed[p], expected) for p in sites},
        outcomes=tuple(compare_outcome(n, {p: listed[p] for p in sites}) for n in names),
    )


def _event_markets(picks: Sequence[MarketPick], rows: Iterable[Mapping[str, Any]]) -> tuple[BoardMarket, ...]:
    by_id: dict[str, dict[Platform, list[Market]]] = {}
    for r in rows:
        by_id.setdefault(r["market_id"], {}).setdefault(Platform(r["platform"]), []).append(_market(r))
    out: list[BoardMarket] = []
    for pick in picks:
        per_site = by_id.get(pick.market_id, {})
        keys: dict[MarketKey, dict[Platform, Market]] = {}
        wanted = main_line(per_site) if pick.main else None
        for platform, ms in per_site.items():
            for m in ms:
                key = (m.market_id, m.line, m.handicap_type, m.handicap_home, m.handicap_away)
                if pick.main and key != wanted:
                    continue
                if not pick.main and pick.line is not None and m.line != pick.line:
                    continue
                keys.setdefault(key, {})[platform] = m
        for key in sorted(keys, key=line_order):
            out.append(compare_market(key, keys[key]))
    return tuple(out)


def build_board(
    rows: Iterable[Mapping[str, Any]],
    *,
    picks: tuple[MarketPick, ...],
    kickoff_from: datetime,
    kickoff_to: datetime | None,
    only_behind: bool,
) -> Board:
    """The board from ``select_board`` rows (grouped by event, in kickoff order)."""
    events: list[BoardEvent] = []
    head: Mapping[str, Any] | None = None
    group: list[Mapping[str, Any]] = []

    def flush() -> None:
        if head is None:
            return
        markets = _event_markets(picks, group)
        if only_behind:
            markets = tuple(
                attrs.evolve(m, outcomes=tuple(o for o in m.outcomes if o.behind))
                for m in markets
                if m.behind
            )
            if not markets:
                return
        events.append(
            BoardEvent(
                sportradar_id=head["sportradar_id"],
                home_team=head["home_team"],
                away_team=head["away_team"],
                kickoff=head["kickoff"],
                tournament=head["tournament"],
                markets=markets,
            )
        )

    for r in rows:
        if head is None or r["sportradar_id"] != head["sportradar_id"]:
            flush()
            head, group = r, []
        if r["market_id"] is not None:
            group.append(r)
    flush()
    return Board(
        kickoff_from=kickoff_from,
        kickoff_to=kickoff_to,
        markets=picks,
        only_behind=only_behind,
        events=tuple(events),
    )
