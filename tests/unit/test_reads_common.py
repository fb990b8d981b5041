"""The numbers the reads accept from people (CLI flags, query parameters, market picks)."""

from __future__ import annotations

import pytest

from oddsstore.reads.common import MarketPick, parse_number


def test_numbers_are_plain_ascii_decimals() -> None:
    assert parse_number(" 2.5 ") == 2.5 and parse_number("-0.25") == -0.25 and parse_number("1e1") == 10.0
    for bad in ("1_0", "\u0665", "inf", "nan", "", "2.5.1", "0x10"):
        with pytest.raises(ValueError, match="not a finite number"):
            parse_number(bad)


def test_a_pick_line_is_a_plain_decimal() -> None:
    assert MarketPick.parse("5000@2.5").line == 2.5
    with pytest.raises(ValueError, match="bad market pick"):
        MarketPick.parse("5000@2_5")
