"""The board: every upcoming event, the picked markets, BetPawa's price against the competitors'.

Per outcome: each site's price (``None`` where the site lists the market but the outcome is closed or
absent), the best competitor price and who has it, and BetPawa's **gap** in percent,
``(betpawa / best_competitor - 1) * 100``: negative when a competitor pays more (BetPawa is
``behind``), positive when BetPawa pays more, ``None`` when either side has no open price. Per market:
each site's margin (``None`` unless the site prices a complete set of active outcomes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from oddsstore.models import Market, Platform
from oddsstore.reads.common import (
    MarketKey,
    MarketPick,
    expected_outcomes,
    iso,
    key_dict,
    site_order,
)
from oddsstore.reads.fair import book_margin, is_complete
from oddsstore.repositories.odds_codec import decode_odds

__all__ = ["Board", "BoardEvent", "BoardMarket", "BoardOutcome", "Catalogue", "build_board"]

_COMPETITORS = (Platform.SPORTYBET, Platform.BET9JA)
_PLATFORMS = {1: Platform.BETPAWA, 2: Platform.SPORTYBET, 3: Platform.BET9JA}  # bookmakers.id


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


# One site's market on the board: its name, outcome names and signed prices (inactive negated).
Priced = tuple[str, tuple[str, ...], tuple[float, ...]]


def line_order(key: MarketKey) -> tuple[bool, float, str, float]:
    """Lines ascending (no line first), then handicap type and home handicap."""
    return (key[1] is not None, key[1] or 0.0, key[2] or "", key[3] or 0.0)


def _spread(priced: Priced) -> float | None:
    _, names, signed = priced
    return abs(signed[0] - signed[1]) if len(names) == 2 and is_complete(names, signed) else None


def main_line(per_site: Mapping[Platform, Mapping[MarketKey, Priced]]) -> MarketKey | None:
    """The key of the line whose two prices are closest on BetPawa (else on the first competitor in site
    order that prices one), ties to the lower line; None when no site prices a two-way line fully."""
    for platform in site_order(per_site.keys()):
        spreads = [
            (s, line_order(k), k) for k, m in per_site[platform].items() if (s := _spread(m)) is not None
        ]
        if spreads:
            return min(spreads)[2]
    return None


def _outcome(name: str, listed: Mapping[Platform, Mapping[str, float]]) -> BoardOutcome:
    odds: dict[Platform, float | None] = {}
    for platform, prices in listed.items():
        signed = prices.get(name, 0.0)
        odds[platform] = signed if 1.0 < signed < math.inf else None  # closed (negative), placeholder, absent
    best: Platform | None = None
    best_odds: float | None = None
    for competitor in _COMPETITORS:
        o = odds.get(competitor)
        if o is not None and (best_odds is None or o > best_odds):
            best, best_odds = competitor, o
    bp = odds.get(Platform.BETPAWA)
    gap = None if bp is None or best_odds is None else (bp / best_odds - 1.0) * 100.0
    return BoardOutcome(
        name=name,
        odds=odds,
        best_competitor=best,
        best_competitor_odds=best_odds,
        gap_pct=gap,
        behind=bp is not None and best_odds is not None and best_odds > bp,
    )


def compare_priced(key: MarketKey, listed: Mapping[Platform, Priced]) -> BoardMarket:
    """One market key compared across the sites listing it (``listed``, any order)."""
    sites = tuple(site_order(listed.keys()))
    ordered = {p: listed[p] for p in sites}
    expected = expected_outcomes(key[0], [m[1] for m in ordered.values()])
    names: list[str] = []
    margins: dict[Platform, float | None] = {}
    by_name: dict[Platform, dict[str, float]] = {}
    for p, (_, outcome_names, signed) in ordered.items():
        by_name[p] = dict(zip(outcome_names, signed, strict=True))
        names.extend(n for n in outcome_names if n not in names)
        margins[p] = book_margin(signed) if is_complete(outcome_names, signed, expected) else None
    return BoardMarket(
        key=key,
        market_name=ordered[sites[0]][0],
        sites=sites,
        margins=margins,
        outcomes=tuple(_outcome(n, by_name) for n in names),
    )


def priced(m: Market) -> Priced:
    return (
        m.market_name,
        tuple(o.name for o in m.outcomes),
        tuple(o.odds if o.is_active else -o.odds for o in m.outcomes),
    )


def compare_market(key: MarketKey, listed: Mapping[Platform, Market]) -> BoardMarket:
    """``compare_priced`` over ``Market`` objects."""
    return compare_priced(key, {p: priced(m) for p, m in listed.items()})


@attrs.frozen(slots=True)
class Catalogue:
    """The market keys of the picks and the shapes the board's rows use, by id."""

    keys: Mapping[int, MarketKey]
    shapes: Mapping[int, tuple[str, tuple[str, ...]]]  # market name, outcome names


def _event_markets(
    picks: Sequence[MarketPick], catalogue: Catalogue, row: Mapping[str, Any]
) -> tuple[BoardMarket, ...]:
    if row["key_ids"] is None:
        return ()
    by_id: dict[str, dict[Platform, dict[MarketKey, Priced]]] = {}
    for site, key_id, shape_id, odds in zip(
        row["platforms"], row["key_ids"], row["shape_ids"], row["odds"], strict=True
    ):
        key = catalogue.keys[key_id]
        name, names = catalogue.shapes[shape_id]
        by_id.setdefault(key[0], {}).setdefault(_PLATFORMS[site], {})[key] = (name, names, decode_odds(odds))
    out: list[BoardMarket] = []
    for pick in picks:
        per_site = by_id.get(pick.market_id)
        if per_site is None:
            continue
        wanted = main_line(per_site) if pick.main else None
        keys: dict[MarketKey, dict[Platform, Priced]] = {}
        for platform, markets in per_site.items():
            for key, m in markets.items():
                if (pick.main and key != wanted) or (pick.line is not None and key[1] != pick.line):
                    continue
                keys.setdefault(key, {})[platform] = m
        out.extend(compare_priced(key, keys[key]) for key in sorted(keys, key=line_order))
    return tuple(out)


def build_board(
    rows: Iterable[Mapping[str, Any]],
    catalogue: Catalogue,
    *,
    picks: tuple[MarketPick, ...],
    kickoff_from: datetime,
    kickoff_to: datetime | None,
    only_behind: bool,
) -> Board:
    """The board from ``select_board`` rows (one per event, in kickoff order) and the catalogue."""
    events: list[BoardEvent] = []
    for r in rows:
        markets = _event_markets(picks, catalogue, r)
        if only_behind:
            markets = tuple(
                attrs.evolve(m, outcomes=tuple(o for o in m.outcomes if o.behind))
                for m in markets
                if m.behind
            )
            if not markets:
                continue
        events.append(
            BoardEvent(
                sportradar_id=r["sportradar_id"],
                home_team=r["home_team"],
                away_team=r["away_team"],
                kickoff=r["kickoff"],
                tournament=r["tournament"],
                markets=markets,
            )
        )
    return Board(
        kickoff_from=kickoff_from,
        kickoff_to=kickoff_to,
        markets=picks,
        only_behind=only_behind,
        events=tuple(events),
    )
