"""The board computed from ``current_odds``: what ``board()`` answers for picks its projection does not
hold (and for events without a projected row), and what ``store_batch`` writes the projection from.

The picks' keys, the board's rows (BetPawa's lines only for main-line picks), the shapes its rows use
and, for main-line picks, the competitors' markets of the lines BetPawa's prices chose; then
``build_board``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from oddsstore.db import Connection, load_sql
from oddsstore.reads.board import Board, build_board
from oddsstore.reads.common import MarketKey, MarketPick
from oddsstore.reads.lines import Catalogue, main_lines, main_only_keys, with_lines

__all__ = ["LiveRows", "board_keys", "live_board", "live_rows"]

_BOARD = load_sql("reads/select_board")
_BOARD_KEYS = load_sql("reads/select_board_keys")
_BOARD_LINES = load_sql("reads/select_board_lines")
_SHAPES = load_sql("reads/select_shapes")


@attrs.frozen(slots=True)
class LiveRows:
    """``select_board``'s rows (the competitors' main lines added), their catalogue and main lines."""

    rows: Sequence[Mapping[str, Any]]
    catalogue: Catalogue
    chosen: Mapping[tuple[str, int], int]

    def board(
        self,
        picks: tuple[MarketPick, ...],
        *,
        kickoff_from: datetime,
        kickoff_to: datetime | None,
        only_behind: bool,
    ) -> Board:
        """The board of these rows, compared (``build_board``)."""
        return build_board(
            self.rows,
            self.catalogue,
            picks=picks,
            kickoff_from=kickoff_from,
            kickoff_to=kickoff_to,
            only_behind=only_behind,
            chosen=self.chosen,
        )


async def board_keys(conn: Connection, picks: Sequence[MarketPick]) -> dict[int, MarketKey]:
    """The market keys the ``picks`` take, by id."""
    return {
        r["id"]: (r["market_id"], r["line"], r["handicap_type"], r["handicap_home"], r["handicap_away"])
        for r in await conn.fetch(
            _BOARD_KEYS,
            [p.market_id for p in picks],
            [p.line for p in picks],
            [p.line is None for p in picks],
        )
    }


async def _shapes(conn: Connection, ids: set[int]) -> dict[int, tuple[str, tuple[str, ...]]]:
    return {
        r["id"]: (r["market_name"], tuple(r["outcome_names"])) for r in await conn.fetch(_SHAPES, list(ids))
    }


async def live_rows(
    conn: Connection,
    picks: Sequence[MarketPick],
    *,
    start: datetime,
    kickoff_to: datetime | None,
    tournament: str | None,
    sportradar_ids: Collection[str] | None = None,
) -> LiveRows:
    """The board's rows for the BetPawa events in the window (of ``sportradar_ids`` when given)."""
    catalogue = Catalogue(keys=await board_keys(conn, picks), shapes={})
    rows: Sequence[Mapping[str, Any]] = await conn.fetch(
        _BOARD,
        start,
        kickoff_to,
        tournament,
        list(catalogue.keys),
        main_only_keys(catalogue, picks),
        None if sportradar_ids is None else list(sportradar_ids),
    )
    shapes = await _shapes(conn, {s for r in rows if r["shape_ids"] is not None for s in r["shape_ids"]})
    catalogue = attrs.evolve(catalogue, shapes=shapes)
    chosen: dict[tuple[str, int], int] = {}
    if any(p.main for p in picks):
        chosen, wanted = main_lines(rows, catalogue, picks)
        lines = await conn.fetch(_BOARD_LINES, [w[0] for w in wanted], [w[1] for w in wanted])
        rows = with_lines(rows, lines)
        if missing := {r["shape_id"] for r in lines} - shapes.keys():
            shapes.update(await _shapes(conn, missing))
    return LiveRows(rows=rows, catalogue=catalogue, chosen=chosen)


async def live_board(
    conn: Connection,
    picks: tuple[MarketPick, ...],
    *,
    start: datetime,
    kickoff_to: datetime | None,
    tournament: str | None,
    only_behind: bool,
    sportradar_ids: Collection[str] | None = None,
) -> Board:
    """The board of ``picks`` computed from ``current_odds``."""
    live = await live_rows(
        conn, picks, start=start, kickoff_to=kickoff_to, tournament=tournament, sportradar_ids=sportradar_ids
    )
    return live.board(picks, kickoff_from=start, kickoff_to=kickoff_to, only_behind=only_behind)
