"""Property-based tests of the two grammars: SportyBet specifiers and Bet9ja odds keys."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oddsstore.parsing import ParseError
from oddsstore.parsing.oddskeys import param_number, split_odds_key
from oddsstore.parsing.specifiers import MAX_SPECIFIER_LENGTH, parse_specifier

# --- specifiers --------------------------------------------------------------------------------------

SPEC_ALPHABET = st.sampled_from(list("hcptotal=|:.-+ 0123456789eEinfa_,;/\\\t\n\u00a0\u0660"))


@given(st.text())
def test_any_text_is_a_specifier_or_a_parse_error(text: str) -> None:
    try:
        parse_specifier(text)
    except ParseError as error:
        assert error.path == "specifier"


@given(st.text(SPEC_ALPHABET, max_size=40))
def test_specifier_like_text_is_a_specifier_or_a_parse_error(text: str) -> None:
    try:
        spec = parse_specifier(text)
    except ParseError:
        return
    for value in (spec.total, spec.handicap_home, spec.handicap_away):
        assert value is None or math.isfinite(value)


@given(st.integers(-20, 20), st.integers(-20, 20))
def test_colon_handicap_is_european_with_home_minus_away(home: int, away: int) -> None:
    spec = parse_specifier(f"hcp={home}:{away}")
    assert spec.handicap_type == "european"
    assert spec.handicap_home == home - away
    assert spec.handicap_away == away - home


@given(st.integers(-40, 40).map(lambda q: q / 4))
def test_single_number_handicap_is_asian_and_symmetric(value: float) -> None:
    spec = parse_specifier(f"hcp={value}")
    assert spec.handicap_type == "asian"
    assert spec.handicap_home == value
    assert spec.handicap_away == -value
    assert str(spec.handicap_away) != "-0.0"


@given(
    st.integers(0, 40).map(lambda h: h / 2),
    st.lists(
        st.sampled_from(["variant=sr:exact_goals:4+", "goalnr=1", "from=1", "to=10", ""]),
        max_size=3,
        unique=True,
    ),
    st.sampled_from(["total", "TOTAL", " Total "]),
)
def test_total_survives_order_case_spacing_and_extra_keys(total: float, extras: list[str], key: str) -> None:
    parts = [*extras, f"{key}={total}"]
    spec = parse_specifier("|".join(reversed(parts)))
    assert spec.total == total
    assert spec.handicap_home is None


@pytest.mark.parametrize(
    "text",
    [
        "hcp=:1",
        "hcp=1:",
        "hcp=1:2:3",
        "hcp=abc",
        "hcp=inf",
        "hcp=nan",
        "total=1e999",
        "total=1_0",
        "total=",
        "=2.5",
        "total",
        "total=2.5|total=3.5",
        "x" * (MAX_SPECIFIER_LENGTH + 1),
    ],
)
def test_malformed_specifiers_are_refused(text: str) -> None:
    with pytest.raises(ParseError):
        parse_specifier(text)


def test_variant_values_with_colons_are_not_handicaps() -> None:
    spec = parse_specifier("variant=sr:exact_goals:3+")
    assert spec.handicap_type is None and spec.total is None
    assert spec.extras == {"variant": "sr:exact_goals:3+"}


@pytest.mark.parametrize("text", [None, "", "  ", "|", "||"])
def test_empty_specifiers_mean_nothing(text: str | None) -> None:
    spec = parse_specifier(text)
    assert (spec.total, spec.handicap_home, spec.extras) == (None, None, {})


# --- Bet9ja odds keys --------------------------------------------------------------------------------

KEY_ALPHABET = st.sampled_from(list("S_@.-+:/OUXH12AB\u00e9 "))
TOKEN = st.text(st.sampled_from(list("ABCDEFGHOUXY0123456789")), min_size=1, max_size=8)


@given(st.text())
def test_any_text_is_an_odds_key_or_a_parse_error(text: str) -> None:
    try:
        split_odds_key(text)
    except ParseError as error:
        assert error.path == "odds_key"


@given(st.text(KEY_ALPHABET, max_size=30))
def test_key_like_text_splits_into_non_empty_parts_or_fails(text: str) -> None:
    try:
        market, param, outcome = split_odds_key(text)
    except ParseError:
        return
    assert market and outcome and "_" not in outcome and param != ""
    assert text == f"{market}@{param}_{outcome}" if param is not None else text == f"{market}_{outcome}"


@given(TOKEN, TOKEN, st.one_of(st.none(), st.integers(-30, 30).map(lambda q: str(q / 2))))
def test_split_is_the_inverse_of_building_a_key(market: str, outcome: str, param: str | None) -> None:
    key = f"S_{market}_{outcome}" if param is None else f"S_{market}@{param}_{outcome}"
    assert split_odds_key(key) == (f"S_{market}", param, outcome)
    if param is not None:
        assert param_number(param) == float(param)


@given(st.text(max_size=20))
def test_param_number_is_finite_or_a_parse_error(text: str) -> None:
    try:
        value = param_number(text)
    except ParseError:
        return
    assert math.isfinite(value)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("S_1X2_1", ("S_1X2", None, "1")),
        ("S_OU@2.5_O", ("S_OU", "2.5", "O")),
        ("S_AH@-0.5_1", ("S_AH", "-0.5", "1")),
        ("S_1X2HND@-1_1H", ("S_1X2HND", "-1", "1H")),
        ("S_HTFTCS_0-0/2-0", ("S_HTFTCS", None, "0-0/2-0")),
        ("S_1X21_11", ("S_1X21", None, "11")),  # not 1X2: never matched by prefix
        ("S_DCMULTI1-5_X2", ("S_DCMULTI1-5", None, "X2")),
    ],
)
def test_documented_keys_split_as_markets_md_says(key: str, expected: tuple[str, str | None, str]) -> None:
    assert split_odds_key(key) == expected


@pytest.mark.parametrize(
    "key", ["", "S", "S_", "_1X2_1", "S__1", "S_OU@_O", "S_OU@2.5", "S_1X2_", "S_" + "A" * 200]
)
def test_malformed_keys_are_refused(key: str) -> None:
    with pytest.raises(ParseError):
        split_odds_key(key)
