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
from oddsstore.repositories.odds_codec import decode_odds

__all__ = [
    "Board",
    "BoardEvent",
    "BoardMarket",
    "BoardOutcome",
    "Catalogue",
    "build_board",
    "main_lines",
    "main_only_keys",
    "with_lines",
]

_PLATFORMS = {1: Platform.BETPAWA, 2: Platform.SPORTYBET, 3: Platform.BET9JA}  # bookmakers.id
_SLUGS = {p: p.value for p in Platform}  # a plain str, without the enum's property lookup
# every tuple of distinct sites in site order: odds keyed in one of these need no reordering
_IN_SITE_ORDER = frozenset(
    tuple(p for i, p in enumerate(ALL_PLATFORMS) if mask >> i & 1) for mask in range(1 << len(ALL_PLATFORMS))
)


@attrs.frozen(slots=True)
class BoardOutcome:
    name: str
    odds: Mapping[Platform, float | None]  # every site listing the market; None: closed or not priced
    best_competitor: Platform | None
    best_competitor_odds: float | None
    gap_pct: float | None  # (betpawa / best_competitor - 1) * 100
    behind: bool  # a competitor pays more than BetPawa

    def to_dict(self) -> dict[str, object]:
        odds = self.odds
        order = tuple(odds)
        if order not in _IN_SITE_ORDER:
            order = tuple(site_order(order))
        best = self.best_competitor
        return {
            "outcome": self.name,
            "odds": {_SLUGS[p]: odds[p] for p in order},
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


def line_order(key: MarketKey) -> tuple[bool, float, str, float]:
    """Lines ascending (no line first), then handicap type and home handicap."""
    return (key[1] is not None, key[1] or 0.0, key[2] or "", key[3] or 0.0)


def _outcome(name: str, listed: Sequence[tuple[Platform, Mapping[str, float]]]) -> BoardOutcome:
    """One outcome across ``listed`` (each site's prices by outcome name, in site order)."""
    odds: dict[Platform, float | None] = {}
    best: Platform | None = None
    best_odds: float | None = None
    for platform, prices in listed:
        signed = prices.get(name, 0.0)
        o = signed if 1.0 < signed < math.inf else None  # closed (negative), placeholder, absent
        odds[platform] = o
        # competitors in site order, the first of equal prices kept
        if o is not None and platform is not Platform.BETPAWA and (best_odds is None or o > best_odds):
            best, best_odds = platform, o
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
    return BoardMarket(
        key=key,
        market_name=listed[0][1][0],
        sites=tuple(p for p, _ in listed),
        margins=margins,
        outcomes=tuple(_outcome(n, by_name) for n in names),
    )


def compare_priced(key: MarketKey, listed: Mapping[Platform, Priced]) -> BoardMarket:
    """One market key compared across the sites listing it (``listed``, any order)."""
    return compare_listed(key, [(p, listed[p]) for p in site_order(listed.keys())])


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


def _main_key(
    rows: Sequence[int], columns: _Columns, keys: Mapping[int, MarketKey], two_way: Collection[int]
) -> int | None:
    """The key id of the main line among the ``rows`` (positions in the event's arrays) of one market:
    the line whose two prices are closest on BetPawa, else on the first competitor in site order that
    prices a complete two-way line; ties to the lower line. None when no site prices one."""
    platforms, key_ids, shape_ids, odds = columns
    for site in sorted({platforms[i] for i in rows}):  # bookmaker ids: site order
        best: tuple[float, tuple[bool, float, str, float], MarketKey] | None = None
        best_id: int | None = None
        for i in rows:
            if platforms[i] != site or shape_ids[i] not in two_way:
                continue
            a, b = decode_odds(odds[i])
            if not (1.0 < a < math.inf and 1.0 < b < math.inf):
                continue
            key = keys[key_ids[i]]
            candidate = (abs(a - b), line_order(key), key)
            if best is None or candidate < best:
                best, best_id = candidate, key_ids[i]
        if best_id is not None:
            return best_id
    return None


# An event's markets as select_board gives them: bookmaker ids, key ids, shape ids, stored odds.
_Columns = tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[bytes]]


# Per key id: the picks (their positions) that take it.
_Serves = Mapping[int, Sequence[int]]


def _event_markets(
    picks: Sequence[MarketPick],
    catalogue: Catalogue,
    serves: _Serves,
    two_way: Collection[int],
    chosen: Mapping[tuple[str, int], int],
    row: Mapping[str, Any],
) -> tuple[BoardMarket, ...]:
    key_ids = row["key_ids"]
    if key_ids is None:
        return ()
    columns: _Columns = (row["platforms"], key_ids, row["shape_ids"], row["odds"])
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
                wanted = _main_key([i for rows in per_key.values() for i in rows], columns, keys, two_way)
            per_key = {} if wanted is None else {wanted: per_key[wanted]}
        for key_id in sorted(per_key, key=lambda k: line_order(keys[k])) if len(per_key) > 1 else per_key:
            listed = [
                (_PLATFORMS[platforms[i]], (*shapes[shape_ids[i]], decode_odds(odds[i])))
                for i in sorted(per_key[key_id], key=platforms.__getitem__)  # bookmaker ids in site order
            ]
            out.append(compare_listed(keys[key_id], listed))
    return tuple(out)


def _serves(catalogue: Catalogue, picks: Sequence[MarketPick]) -> dict[int, list[int]]:
    return {
        key_id: [
            n
            for n, pick in enumerate(picks)
            if key[0] == pick.market_id and (pick.line is None or key[1] == pick.line)
        ]
        for key_id, key in catalogue.keys.items()
    }


def _two_way(catalogue: Catalogue) -> set[int]:
    return {sid for sid, (_, names) in catalogue.shapes.items() if len(names) == 2 and names[0] != names[1]}


def main_only_keys(catalogue: Catalogue, picks: Sequence[MarketPick]) -> list[int]:
    """The keys only main-line picks take: ``select_board`` leaves their competitor markets out."""
    return [
        k for k, served in _serves(catalogue, picks).items() if served and all(picks[n].main for n in served)
    ]


def main_lines(
    rows: Iterable[Mapping[str, Any]], catalogue: Catalogue, picks: Sequence[MarketPick]
) -> tuple[dict[tuple[str, int], int], list[tuple[str, int]]]:
    """For every event of ``select_board`` and main-line pick (its position): BetPawa's main line when
    BetPawa prices one, and the (sportradar id, key id) pairs whose competitor markets the board still
    needs (``select_board_lines``): that line, or every line of the pick when BetPawa prices none."""
    serves = _serves(catalogue, picks)
    only_main = set(main_only_keys(catalogue, picks))
    two_way = _two_way(catalogue)
    mains = [n for n, pick in enumerate(picks) if pick.main]
    chosen: dict[tuple[str, int], int] = {}
    wanted: list[tuple[str, int]] = []
    for r in rows:
        sr, key_ids = r["sportradar_id"], r["key_ids"] or ()
        columns: _Columns = (r["platforms"] or (), key_ids, r["shape_ids"] or (), r["odds"] or ())
        for n in mains:
            betpawa = [i for i, k in enumerate(key_ids) if n in serves[k] and columns[0][i] == 1]
            line = _main_key(betpawa, columns, catalogue.keys, two_way)
            if line is not None:
                chosen[(sr, n)] = line
                if line in only_main:
                    wanted.append((sr, line))
            else:
                wanted.extend((sr, k) for k in only_main if n in serves[k])
    return chosen, wanted


def with_lines(
    rows: Iterable[Mapping[str, Any]], lines: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """``select_board`` rows with the competitors' main lines (``select_board_lines`` rows) added."""
    extra: dict[str, list[Mapping[str, Any]]] = {}
    for line in lines:
        extra.setdefault(line["sportradar_id"], []).append(line)
    out: list[Mapping[str, Any]] = []
    for r in rows:
        added = extra.get(r["sportradar_id"])
        if not added:
            out.append(r)
            continue
        merged = dict(r)
        for column, field in (
            ("platforms", "bookmaker_id"),
            ("key_ids", "key_id"),
            ("shape_ids", "shape_id"),
            ("odds", "odds"),
        ):
            merged[column] = [*(r[column] or ()), *(a[field] for a in added)]
        out.append(merged)
    return out


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
    two_way = _two_way(catalogue)
    serves = _serves(catalogue, picks)
    chosen = chosen or {}
    events: list[BoardEvent] = []
    for r in rows:
        markets = _event_markets(picks, catalogue, serves, two_way, chosen, r)
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
