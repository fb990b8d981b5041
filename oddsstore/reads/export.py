"""The board as flat rows: one row per event, market, line and outcome, for CSV export (the CLI's
``board --csv`` and the HTTP ``/api/export.csv`` stream the same rows).

Prices and margins are plain numbers; an empty cell is ``None`` (the site lists the market but has no
open price, or does not list it at all: ``listed_on`` says which sites list the market).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from oddsstore.models import ALL_PLATFORMS
from oddsstore.reads.board import Board

__all__ = ["BOARD_COLUMNS", "board_rows", "csv_lines"]

BOARD_COLUMNS: tuple[str, ...] = (
    "sportradar_id",
    "kickoff",
    "tournament",
    "home_team",
    "away_team",
    "market_id",
    "market_name",
    "line",
    "handicap_type",
    "handicap_home",
    "handicap_away",
    "outcome",
    *(f"odds_{p.value}" for p in ALL_PLATFORMS),
    "best_competitor",
    "best_competitor_odds",
    "gap_pct",
    "behind",
    *(f"margin_{p.value}" for p in ALL_PLATFORMS),
    "listed_on",
)

Cell = str | float | bool | None


def board_rows(board: Board) -> Iterator[tuple[Cell, ...]]:
    """The board's rows in board order (events by kickoff, markets in pick order, outcomes as listed),
    each with the cells of ``BOARD_COLUMNS``."""
    for e in board.events:
        kickoff = e.kickoff.isoformat()
        head: tuple[Cell, ...] = (e.sportradar_id, kickoff, e.tournament, e.home_team, e.away_team)
        for m in e.markets:
            key = m.key
            margins = tuple(m.margins.get(p) for p in ALL_PLATFORMS)
            listed = " ".join(p.value for p in m.sites)
            for o in m.outcomes:
                odds = o.odds
                yield (
                    *head,
                    key[0],
                    m.market_name,
                    *key[1:],
                    o.name,
                    *(odds.get(p) for p in ALL_PLATFORMS),
                    None if o.best_competitor is None else o.best_competitor.value,
                    o.best_competitor_odds,
                    o.gap_pct,
                    o.behind,
                    *margins,
                    listed,
                )


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value


def csv_lines(rows: Iterable[Sequence[Cell]], header: Sequence[str] = BOARD_COLUMNS) -> Iterator[str]:
    """CSV text (RFC 4180, ``\\r\\n`` line ends) one line at a time, the header first: a caller can
    stream it without holding the file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in row])
        yield buffer.getvalue()
