"""The rows of the board's statements and its main lines: which keys the picks take, which line a
main-line pick keeps (the line whose two prices are closest on BetPawa, else on the first competitor
in site order that prices a complete two-way line; ties to the lower line), and the competitors'
markets the board still has to read for it (``select_board_lines``)."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs

from oddsstore.models import Platform
from oddsstore.reads.common import MarketKey, MarketPick
from oddsstore.repositories.bookmakers import BOOKMAKER_IDS
from oddsstore.repositories.odds_codec import decode_odds

__all__ = [
    "Catalogue",
    "Columns",
    "key_picks",
    "line_order",
    "main_key",
    "main_lines",
    "main_only_keys",
    "two_way_shapes",
    "with_lines",
]

_BETPAWA = BOOKMAKER_IDS[Platform.BETPAWA]


def line_order(key: MarketKey) -> tuple[bool, float, str, float]:
    """Lines ascending (no line first), then handicap type and home handicap."""
    return (key[1] is not None, key[1] or 0.0, key[2] or "", key[3] or 0.0)


@attrs.frozen(slots=True)
class Catalogue:
    """The market keys of the picks and the shapes the board's rows use, by id."""

    keys: Mapping[int, MarketKey]
    shapes: Mapping[int, tuple[str, tuple[str, ...]]]  # market name, outcome names


# An event's markets as select_board gives them: bookmaker ids, key ids, shape ids, stored odds.
Columns = tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[bytes]]


def main_key(
    rows: Sequence[int], columns: Columns, keys: Mapping[int, MarketKey], two_way: Collection[int]
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


def key_picks(catalogue: Catalogue, picks: Sequence[MarketPick]) -> dict[int, list[int]]:
    """Per key id: the picks (their positions) that take it."""
    return {
        key_id: [
            n
            for n, pick in enumerate(picks)
            if key[0] == pick.market_id and (pick.line is None or key[1] == pick.line)
        ]
        for key_id, key in catalogue.keys.items()
    }


def two_way_shapes(catalogue: Catalogue) -> set[int]:
    """The shapes with two distinct outcome names: the only ones a main line can have."""
    return {sid for sid, (_, names) in catalogue.shapes.items() if len(names) == 2 and names[0] != names[1]}


def main_only_keys(catalogue: Catalogue, picks: Sequence[MarketPick]) -> list[int]:
    """The keys only main-line picks take: ``select_board`` leaves their competitor markets out."""
    served = key_picks(catalogue, picks)
    return [k for k, ns in served.items() if ns and all(picks[n].main for n in ns)]


def main_lines(
    rows: Iterable[Mapping[str, Any]], catalogue: Catalogue, picks: Sequence[MarketPick]
) -> tuple[dict[tuple[str, int], int], list[tuple[str, int]]]:
    """For every event of ``select_board`` and main-line pick (its position): BetPawa's main line when
    BetPawa prices one, and the (sportradar id, key id) pairs whose competitor markets the board still
    needs (``select_board_lines``): that line, or every line of the pick when BetPawa prices none."""
    served = key_picks(catalogue, picks)
    only_main = set(main_only_keys(catalogue, picks))
    two_way = two_way_shapes(catalogue)
    mains = [n for n, pick in enumerate(picks) if pick.main]
    chosen: dict[tuple[str, int], int] = {}
    wanted: list[tuple[str, int]] = []
    for r in rows:
        sr, key_ids = r["sportradar_id"], r["key_ids"] or ()
        columns: Columns = (r["platforms"] or (), key_ids, r["shape_ids"] or (), r["odds"] or ())
        for n in mains:
            betpawa = [i for i, k in enumerate(key_ids) if n in served[k] and columns[0][i] == _BETPAWA]
            line = main_key(betpawa, columns, catalogue.keys, two_way)
            if line is not None:
                chosen[(sr, n)] = line
                if line in only_main:
                    wanted.append((sr, line))
            else:
                wanted.extend((sr, k) for k in only_main if n in served[k])
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
