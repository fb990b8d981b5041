"""The comparison tables' columns at their extremes: names far too long, prices and gaps far too wide
for their columns; every line stays within 80 characters and the columns stay where they are."""

from __future__ import annotations

from oddsstore.cli._table import fair_row, market_rows, outcome_row
from oddsstore.models import Platform
from oddsstore.reads import BoardOutcome

BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA


def _outcome(name: str, bp: float | None, sb: float | None, b9: float | None) -> BoardOutcome:
    odds = {BP: bp, SB: sb, B9: b9}
    competitors = {p: o for p, o in odds.items() if p is not BP and o is not None}
    best = max(competitors, key=lambda p: competitors[p]) if competitors else None
    best_odds = None if best is None else competitors[best]
    gap = None if bp is None or best_odds is None else (bp / best_odds - 1) * 100
    return BoardOutcome(
        name, odds, best, best_odds, gap, bp is not None and best_odds is not None and best_odds > bp
    )


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
