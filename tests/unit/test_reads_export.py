"""The board's CSV rows: every outcome one row, cells in BOARD_COLUMNS order, read back by csv."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from oddsstore.models import Platform
from oddsstore.reads.board import Board, BoardEvent, BoardMarket, BoardOutcome
from oddsstore.reads.common import CORE
from oddsstore.reads.export import BOARD_COLUMNS, board_rows, csv_lines

KICKOFF = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def _board() -> Board:
    home = BoardOutcome(
        name="1",
        sites=(Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA),
        prices=(2.0, 2.1, None),
        best_competitor=Platform.SPORTYBET,
        best_competitor_odds=2.1,
        gap_pct=(2.0 / 2.1 - 1) * 100,
        behind=True,
    )
    away = BoardOutcome(
        name='2, or "two"',
        sites=(Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA),
        prices=(3.5, 3.4, None),
        best_competitor=Platform.SPORTYBET,
        best_competitor_odds=3.4,
        gap_pct=(3.5 / 3.4 - 1) * 100,
        behind=False,
    )
    market = BoardMarket(
        key=("4703", None, None, None, None),
        market_name="Draw No Bet",
        sites=(Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA),
        margins={Platform.BETPAWA: 0.0357, Platform.SPORTYBET: 0.0703, Platform.BET9JA: None},
        outcomes=(home, away),
    )
    event = BoardEvent(
        sportradar_id="sr:match:1",
        home_team="Home, FC",
        away_team="Away",
        kickoff=KICKOFF,
        tournament=None,
        markets=(market,),
    )
    return Board(kickoff_from=KICKOFF, kickoff_to=None, markets=CORE, only_behind=False, events=(event,))


def test_rows_read_back_as_the_board_says() -> None:
    text = "".join(csv_lines(board_rows(_board())))
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == list(BOARD_COLUMNS)
    assert len(rows) == 2
    first, second = rows
    assert first["home_team"] == "Home, FC"
    assert first["kickoff"] == "2026-12-02T18:00:00+00:00"
    assert first["tournament"] == "" and first["line"] == ""
    assert float(first["odds_betpawa"]) == 2.0 and float(first["odds_sportybet"]) == 2.1
    assert first["odds_bet9ja"] == ""
    assert first["best_competitor"] == "sportybet" and first["behind"] == "true"
    assert abs(float(first["gap_pct"]) - (-4.761904761904762)) < 1e-9
    assert float(first["margin_sportybet"]) == 0.0703 and first["margin_bet9ja"] == ""
    assert first["listed_on"] == "betpawa sportybet bet9ja"
    assert second["outcome"] == '2, or "two"' and second["behind"] == "false"


def test_empty_board_is_the_header_only() -> None:
    empty = Board(kickoff_from=KICKOFF, kickoff_to=None, markets=CORE, only_behind=False, events=())
    lines = list(csv_lines(board_rows(empty)))
    assert lines == [",".join(BOARD_COLUMNS) + "\r\n"]
