"""The board: every upcoming event, the picked markets, BetPawa's price against the competitors'.

Per outcome: each site's price (``None`` where the site lists the market but the outcome is closed or
absent), the best competitor price and who has it, and BetPawa's **gap** in percent,
``(betpawa / best_competitor - 1) * 100``: negative when a competitor pays more (BetPawa is
``behind``), positive when BetPawa pays more, ``None`` when either side has no open price. Per market:
each site's margin (``None`` unless the site prices a complete set of active outcomes).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from oddsstore.models import ALL_PLATFORMS, Market, Platform
from oddsstore.reads.common import (
    MarketKey,
    MarketPick,
    expected_outcomes,
    iso,
    key_dict,
    site_order,
)
from oddsstore.reads.fair import book_margin, is_complete
from oddsstore.reads.lines import (
    Catalogue,
    Columns,
    key_picks,
    line_order,
    main_key,
    two_way_shapes,
)
from oddsstore.repositories.bookmakers import PLATFORMS_BY_ID
from oddsstore.repositories.odds_codec import decode_odds

__all__ = [
    "Board",
    "BoardEvent",
    "BoardMarket",
    "BoardOutcome",
    "Catalogue",
    "behind_only",
    "build_board",
    "event_of",
]

_SLUGS = {p: p.value for p in Platform}  # a plain str, without the enum's property lookup
# every tuple of distinct sites in site order: odds keyed in one of these need no reordering
_IN_SITE_ORDER = frozenset(
    tuple(p for i, p in enumerate(ALL_PLATFORMS) if mask >> i & 1) for mask in range(1 << len(ALL_PLATFORMS))
)


@attrs.frozen(slots=True)
class BoardOutcome:
    """One outcome across the sites listing its market: ``prices`` in the order of ``sites`` (the
    market's, in site order); ``odds`` the same as a mapping."""

    name: str
    sites: tuple[Platform, ...]  # every site listing the market, in site order
    prices: tuple[float | None, ...]  # per site of ``sites``; None: closed or not priced
    best_competitor: Platform | None
    best_competitor_odds: float | None
    gap_pct: float | None  # (betpawa / best_competitor - 1) * 100
    behind: bool  # a competitor pays more than BetPawa

    @property
    def odds(self) -> dict[Platform, float | None]:
        """Each listing site's price (None: closed or not priced), in site order."""
        return dict(zip(self.sites, self.prices, strict=True))

    def to_dict(self) -> dict[str, object]:
        sites, prices = self.sites, self.prices
        if sites not in _IN_SITE_ORDER:
            order = site_order(sites)
            prices = tuple(prices[sites.index(p)] for p in order)
            sites = tuple(order)
        best = self.best_competitor
        return {
            "outcome": self.name,
            "odds": dict(zip(map(_SLUGS.__getitem__, sites), prices, strict=True)),
            "best_competitor": None if best is None else _SLUGS[best],
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
            "sites": [_SLUGS[p] for p in self.sites],
            "margins": {_SLUGS[p]: self.margins[p] for p in self.sites},
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


def _outcome(
    name: str, sites: tuple[Platform, ...], listed: Sequence[tuple[Platform, Mapping[str, float]]]
) -> BoardOutcome:
    """One outcome across ``listed`` (each site's prices by outcome name, in the order of ``sites``)."""
    prices: list[float | None] = []
    best: Platform | None = None
    best_odds: float | None = None
    bp: float | None = None
    for platform, by_name in listed:
        signed = by_name.get(name, 0.0)
        o = signed if 1.0 < signed < math.inf else None  # closed (negative), placeholder, absent
        prices.append(o)
        if platform is Platform.BETPAWA:
            bp = o
        # competitors in site order, the first of equal prices kept
        elif o is not None and (best_odds is None or o > best_odds):
            best, best_odds = platform, o
    gap = None if bp is None or best_odds is None else (bp / best_odds - 1.0) * 100.0
    return BoardOutcome(
        name=name,
        sites=sites,
        prices=tuple(prices),
        best_competitor=best,
        best_competitor_odds=best_odds,
        gap_pct=gap,
        behind=bp is not None and best_odds is not None and best_odds > bp,
    )


@functools.lru_cache(maxsize=4096)
def _complete_names(names: tuple[str, ...], expected: frozenset[str]) -> bool:
    """Whether ``names`` are a complete set of the outcomes ``expected`` (see ``fair.is_complete``)."""
    return is_complete(names, (2.0,) * len(names), expected)


def compare_listed(key: MarketKey, listed: Sequence[tuple[Platform, Priced]]) -> BoardMarket:
    """One market key compared across the sites listing it, ``listed`` in site order."""
    expected = expected_outcomes(key[0], [m[1] for _, m in listed])
    first = listed[0][1][1]
    names = list(dict.fromkeys(first))  # every outcome any site lists, first seen first
    margins: dict[Platform, float | None] = {}
    by_name: list[tuple[Platform, dict[str, float]]] = []
    for p, (_, outcome_names, signed) in listed:
        by_name.append((p, dict(zip(outcome_names, signed, strict=True))))
        if outcome_names != first:
            names.extend(n for n in outcome_names if n not in names)
        complete = _complete_names(outcome_names, expected) and all(1.0 < x < math.inf for x in signed)
        margins[p] = book_margin(signed) if complete else None
    sites = tuple(p for p, _ in listed)
    return BoardMarket(
        key=key,
        market_name=listed[0][1][0],
        sites=sites,
        margins=margins,
        outcomes=tuple(_outcome(n, sites, by_name) for n in names),
    )


def priced(m: Market) -> Priced:
    return (
        m.market_name,
        tuple(o.name for o in m.outcomes),
        tuple(o.odds if o.is_active else -o.odds for o in m.outcomes),
    )


def _event_markets(
    picks: Sequence[MarketPick],
    catalogue: Catalogue,
    serves: Mapping[int, Sequence[int]],  # per key id: the picks (their positions) that take it
    two_way: Collection[int],
    chosen: Mapping[tuple[str, int], int],
    row: Mapping[str, Any],
) -> tuple[BoardMarket, ...]:
    key_ids = row["key_ids"]
    if key_ids is None:
        return ()
    columns: Columns = (row["platforms"], key_ids, row["shape_ids"], row["odds"])
    platforms, _, shape_ids, odds = columns
    keys, shapes = catalogue.keys, catalogue.shapes
    per_pick: list[dict[int, list[int]]] = [{} for _ in picks]  # pick -> key id -> positions
    for i, key_id in enumerate(key_ids):
        for n in serves[key_id]:
            per_key = per_pick[n]
            if key_id in per_key:
                per_key[key_id].append(i)
            else:
                per_key[key_id] = [i]
    out: list[BoardMarket] = []
    for n, (pick, per_key) in enumerate(zip(picks, per_pick, strict=True)):
        if not per_key:
            continue
        if pick.main:
            wanted = chosen.get((row["sportradar_id"], n))
            if wanted is None:  # BetPawa prices no main line: the competitors' lines decide
                wanted = main_key([i for rows in per_key.values() for i in rows], columns, keys, two_way)
            per_key = {} if wanted is None else {wanted: per_key[wanted]}
        for key_id in sorted(per_key, key=lambda k: line_order(keys[k])) if len(per_key) > 1 else per_key:
            listed = [
                (PLATFORMS_BY_ID[platforms[i]], (*shapes[shape_ids[i]], decode_odds(odds[i])))
                for i in sorted(per_key[key_id], key=platforms.__getitem__)  # bookmaker ids in site order
            ]
            out.append(compare_listed(keys[key_id], listed))
    return tuple(out)


def behind_only(markets: Iterable[BoardMarket]) -> tuple[BoardMarket, ...]:
    """The markets with an outcome where a competitor pays more, with only those outcomes."""
    return tuple(
        attrs.evolve(m, outcomes=tuple(o for o in m.outcomes if o.behind)) for m in markets if m.behind
    )


def event_of(
    row: Mapping[str, Any], markets: tuple[BoardMarket, ...], *, only_behind: bool
) -> BoardEvent | None:
    """The board's event of one statement row (its facts) with its compared ``markets``; with
    ``only_behind`` only what is behind, None when nothing is."""
    if only_behind:
        markets = behind_only(markets)
        if not markets:
            return None
    return BoardEvent(
        sportradar_id=row["sportradar_id"],
        home_team=row["home_team"],
        away_team=row["away_team"],
        kickoff=row["kickoff"],
        tournament=row["tournament"],
        markets=markets,
    )


def build_board(
    rows: Iterable[Mapping[str, Any]],
    catalogue: Catalogue,
    *,
    picks: tuple[MarketPick, ...],
    kickoff_from: datetime,
    kickoff_to: datetime | None,
    only_behind: bool,
    chosen: Mapping[tuple[str, int], int] | None = None,
) -> Board:
    """The board from ``select_board`` rows (one per event, in kickoff order; with the competitors'
    main lines added by ``with_lines``), the catalogue and the main lines ``main_lines`` chose."""
    two_way = two_way_shapes(catalogue)
    serves = key_picks(catalogue, picks)
    chosen = chosen or {}
    events: list[BoardEvent] = []
    for r in rows:
        event = event_of(
            r, _event_markets(picks, catalogue, serves, two_way, chosen, r), only_behind=only_behind
        )
        if event is not None:
            events.append(event)
    return Board(
        kickoff_from=kickoff_from,
        kickoff_to=kickoff_to,
        markets=picks,
        only_behind=only_behind,
        events=tuple(events),
    )
