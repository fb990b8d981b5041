"""The read routes' query parameters: what a person would type is taken, anything else is a 400 naming
the parameter (numbers are plain ASCII decimals: Python's float() alone reads "1_0" as 10)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from multidict import MultiDict

from oddsstore.reads import MarketPick
from oddsstore.service.params import BadParameter, parse_board, parse_movement


@pytest.mark.parametrize(
    ("query", "hours", "picks"),
    [
        ("hours=0.5", 0.5, None),
        ("hours=.5", 0.5, None),
        ("hours=2e1", 20.0, None),
        ("hours=+24", 24.0, None),
        ("market=5000@2.50&market=5000@2.5", None, (MarketPick("5000", 2.5),)),
        ("market=3774@-0.25", None, (MarketPick("3774", -0.25),)),
        ("market=3774@main", None, (MarketPick("3774", main=True),)),
    ],
)
def test_what_a_person_types_is_taken(
    query: str, hours: float | None, picks: tuple[MarketPick, ...] | None
) -> None:
    board = parse_board(MultiDict(parse_qsl(query)))
    assert board.hours == hours
    if picks is not None:
        assert board.markets == picks


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hours", "1_0"),
        ("hours", "\u0661\u0660"),  # ARABIC-INDIC "10"
        ("hours", "1e999"),
        ("hours", "0x10"),
        ("market", "5000@2_5"),  # not line 25
        ("market", "5000@\u0662.5"),
        ("market", "5000@"),
    ],
)
def test_numbers_that_are_not_plain_decimals_are_a_bad_parameter(name: str, value: str) -> None:
    with pytest.raises(BadParameter) as bad:
        parse_board(MultiDict({name: value}))
    assert bad.value.name == name


@pytest.mark.parametrize("value", ["1_5", "\u0661.5", "inf", "nan", "2,5"])
def test_a_movement_line_that_is_not_a_plain_decimal_is_a_bad_parameter(value: str) -> None:
    with pytest.raises(BadParameter) as bad:
        parse_movement(MultiDict(market="5000", line=value))
    assert bad.value.name == "line"
    assert parse_movement(MultiDict(market="5000", line=" -0.5 ")).line == -0.5
