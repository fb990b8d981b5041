"""The comparison tables' columns at their extremes: names far too long, prices and gaps far too wide
for their columns, counts and ids far too long; every line stays within 80 characters and the
columns stay where they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oddsstore.cli._table import fair_row, market_rows, outcome_row
from oddsstore.cli.board import table as board_table
from oddsstore.cli.movement import table as movement_table
from oddsstore.models import Platform
from oddsstore.reads import CORE, Board, BoardEvent, BoardOutcome, Movement, OutcomeMovement, PricePoint
from oddsstore.reads.common import MarketKey

BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA


def _outcome(name: str, bp: float | None, sb: float | None, b9: float | None) -> BoardOutcome:
    odds = {BP: bp, SB: sb, B9: b9}
    competitors = {p: o for p, o in odds.items() if p is not BP and o is not None}
    best = max(competitors, key=lambda p: competitors[p]) if competitors else None
    best_odds = None if best is None else competitors[best]
    gap = None if bp is None or best_odds is None else (bp / best_odds - 1) * 100
    return BoardOutcome(
        name, tuple(odds), tuple(odds.values()), best, best_odds, gap,
        bp is not None and best_odds is not None and best_odds > bp,
    )  # fmt: skip


def test_huge_prices_and_gaps_keep_every_column_in_its_place() -> None:
    row = outcome_row(_outcome("Over " * 20, 987654321.5, 1.01, None))
    assert len(row) <= 80
    assert row[2:31] == ("Over " * 20)[:28] + "…"
    assert row[31:41].strip() == f"{987654321.5:.3g}" and row[41:51].strip() == "1.01"
    assert row[51:61].strip() == "-" and row[62:71].strip() == "sportybet" and row[71:78].strip() == ">+999"
    behind = outcome_row(_outcome("1", 1.5, 1000000.0, 2.0))
    assert (
        len(behind) == 80
        and behind.endswith(" <")
        and behind[71:78].strip() == f"{(1.5 / 1e6 - 1) * 100:+.1f}"
    )


def test_a_long_market_name_keeps_its_line_and_the_margins_their_columns() -> None:
    key = ("5000", 2.5, None, None, None)
    name = "Total Goals Over/Under Including Extra Time And Penalties " * 2
    label, row = market_rows(key, name, {BP: 5.0, SB: None})
    assert len(label) == 80 and label.endswith("… 2.5") and label.startswith(name[:60])
    assert row[:31].strip() == "" and row[31:41].strip() == "5.00%" and row[41:51].strip() == "-"
    assert row[51:61].strip() == ""  # Bet9ja does not list it
    (short,) = market_rows(("3774", -0.5, "asian", -0.5, 0.5), "Asian Handicap - FT", {BP: 4.25})
    assert short[:31].strip() == "Asian Handicap - FT -0.5/+0.5" and short[31:41].strip() == "4.25%"


def test_fair_odds_with_a_consensus_too_wide_for_its_column() -> None:
    row = fair_row("1", {BP: {"1": 123456.0}, SB: None}, {"1": 98765432.0})
    assert len(row) <= 80
    assert row[31:41].strip() == "123456.00" and row[41:51].strip() == "-" and row[51:61].strip() == ""
    assert row[62:71] == "consensus" and row[71:].strip() == f"{98765432.0:.3g}"


def test_the_board_header_fits_80_columns_with_a_five_digit_count_and_behind_only() -> None:
    start = datetime(2026, 12, 1, 13, 53, tzinfo=UTC)
    event = BoardEvent("1", "A", "B", start, None, ())
    board = Board(start, start + timedelta(hours=8784), CORE, True, (event,) * 10_000)
    header = next(board_table(board))
    assert header == "kickoff 2026-12-01 13:53 to 2027-12-02 13:53 UTC: 10000 events, BetPawa behind"
    assert len(header) <= 80


def test_a_movement_with_nothing_stored_fits_80_columns_with_long_ids() -> None:
    kickoff = datetime(2026, 12, 1, 16, 53, tzinfo=UTC)
    move = Movement("sr:match:" + "9" * 40, "M" * 20, 2.5, None, kickoff, False, ())
    lines = list(movement_table(move))
    assert max(len(line) for line in lines) <= 80
    assert lines[-1].startswith(f"no stored prices of market {'M' * 20} line 2.5 for sr:match:")
    assert lines[-1].endswith("…")


def test_a_line_reads_alike_in_the_market_label_and_the_movement() -> None:
    kickoff = datetime(2026, 12, 1, 16, 53, tzinfo=UTC)
    point = PricePoint(kickoff - timedelta(hours=1), 1, 1.95)

    def group_line(key: MarketKey) -> str:
        o = OutcomeMovement(BP, key, "1", point, (point,), point, None)
        return list(movement_table(Movement("1", key[0], None, None, kickoff, False, (o,))))[3]

    handicap = ("3774", -0.5, "asian", -0.5, 0.5)
    assert market_rows(handicap, "Asian Handicap - FT", {BP: 4.0})[0].startswith(
        "Asian Handicap - FT -0.5/+0.5 "
    )
    assert group_line(handicap) == "betpawa  handicap -0.5/+0.5"
    assert group_line(("5000", 2.5, None, None, None)) == "betpawa  line 2.5"
    assert group_line(("3743", None, None, None, None)) == "betpawa"
