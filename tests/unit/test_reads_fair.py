"""Margins and fair odds on the genuine payloads of SR 68995116, by hand, against the published ``shin``
package, and as properties."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shin
from hypothesis import assume, given
from hypothesis import strategies as st

from oddsstore.models import Market, Outcome, Platform
from oddsstore.parsing import parse_event
from oddsstore.reads.fair import (
    FairMethod,
    complete_prices,
    consensus,
    fair_odds,
    fair_probabilities,
    margin,
    value,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
PAYLOADS = {
    Platform.BETPAWA: "betpawa/event_v3_prematch_68995116.json",
    Platform.SPORTYBET: "sportybet/event_prematch_68995116.json",
    Platform.BET9JA: "bet9ja/event_prematch_68995116.json",
}


def _market(platform: Platform, market_id: str, line: float | None = None) -> Market:
    event = parse_event(platform, json.loads((FIXTURES / PAYLOADS[platform]).read_text()))
    return next(m for m in event.markets if m.market_id == market_id and m.line == line)


def test_margins_of_the_genuine_core_markets_by_hand() -> None:
    # BetPawa 1X2 2.41 / 3.29 / 3.02, O/U 2.5 1.98 / 1.83, BTTS 1.77 / 2.06 (read off the payload)
    assert margin(_market(Platform.BETPAWA, "3743")) == pytest.approx(
        (1 / 2.41 + 1 / 3.29 + 1 / 3.02 - 1) * 100
    )
    assert margin(_market(Platform.BETPAWA, "5000", 2.5)) == pytest.approx((1 / 1.98 + 1 / 1.83 - 1) * 100)
    assert margin(_market(Platform.BETPAWA, "3795")) == pytest.approx((1 / 1.77 + 1 / 2.06 - 1) * 100)
    # SportyBet 1X2 2.40 / 3.30 / 3.00, Bet9ja 1X2 2.42 / 3.10 / 2.93
    assert margin(_market(Platform.SPORTYBET, "3743")) == pytest.approx(
        (1 / 2.4 + 1 / 3.3 + 1 / 3.0 - 1) * 100
    )
    assert margin(_market(Platform.BET9JA, "3743")) == pytest.approx(
        (1 / 2.42 + 1 / 3.1 + 1 / 2.93 - 1) * 100
    )
    assert margin(_market(Platform.BET9JA, "3795")) == pytest.approx((1 / 1.67 + 1 / 2.08 - 1) * 100)


def test_an_incomplete_or_closed_set_has_no_margin() -> None:
    # Bet9ja lists O/U 5.5 with "Over" only: not a complete set, whatever the one price says
    over_only = _market(Platform.BET9JA, "5000", 5.5)
    assert [o.name for o in over_only.outcomes] == ["Over"]
    assert margin(over_only) is None
    assert margin(over_only, expected=("Over", "Under")) is None
    one_x_two = _market(Platform.BETPAWA, "3743")
    closed = Market(
        "3743", "1X2", (Outcome("1", 2.41), Outcome("X", 3.29, is_active=False), Outcome("2", 3.02))
    )
    assert margin(closed) is None
    assert complete_prices(closed) is None
    assert (
        margin(one_x_two, expected=("1", "X", "2", "4")) is None
    )  # a name the market should have is missing
    placeholder = Market("3743", "1X2", (Outcome("1", 2.41), Outcome("X", 1.0), Outcome("2", 3.02)))
    assert margin(placeholder) is None  # a price of 1 is no price


def test_fair_odds_by_normalisation_and_power_by_hand() -> None:
    q = [1 / 2.41, 1 / 3.29, 1 / 3.02]
    book = q[0] + q[1] + q[2]
    assert fair_probabilities([2.41, 3.29, 3.02]) == pytest.approx([q[0] / book, q[1] / book, q[2] / book])
    assert fair_odds([1.98, 1.83]) == pytest.approx(
        [1.98 * (1 / 1.98 + 1 / 1.83), 1.83 * (1 / 1.98 + 1 / 1.83)]
    )
    power = fair_probabilities([1.77, 2.06], FairMethod.POWER)
    k = math.log(power[0]) / math.log(1 / 1.77)  # the same exponent on both outcomes, and they sum to 1
    assert math.log(power[1]) / math.log(1 / 2.06) == pytest.approx(k)
    assert (1 / 1.77) ** k + (1 / 2.06) ** k == pytest.approx(1.0)
    assert k > 1


@pytest.mark.parametrize(
    ("platform", "market_id", "line"),
    [
        (p, m, line)
        for p in PAYLOADS
        for m, line in (("3743", None), ("5000", 2.5), ("3795", None), ("4693", None))
    ],
)
def test_shin_agrees_with_the_published_package(
    platform: Platform, market_id: str, line: float | None
) -> None:
    prices = complete_prices(_market(platform, market_id, line))
    assert prices is not None
    published = shin.calculate_implied_probabilities(list(prices))
    assert fair_probabilities(prices, "shin") == pytest.approx(published, abs=1e-9)


def test_consensus_is_the_mean_of_the_sites_fair_probabilities() -> None:
    sites = {p.value: {o.name: o.odds for o in _market(p, "3743").outcomes} for p in PAYLOADS}
    books = {s: sum(1 / o for o in prices.values()) for s, prices in sites.items()}
    expected = {name: 3 / sum((1 / sites[s][name]) / books[s] for s in sites) for name in ("1", "X", "2")}
    fair = consensus(sites)
    assert fair == pytest.approx(expected)
    found = value(sites, fair, threshold=0.0)
    assert {(v.platform, v.outcome) for v in found} == {
        (s, n) for s, prices in sites.items() for n, o in prices.items() if o / expected[n] - 1 >= 0
    }
    assert all(v.edge == pytest.approx(v.odds / expected[v.outcome] - 1) for v in found)
    assert value(sites, fair) == tuple(v for v in found if v.edge >= 0.03)  # default threshold 3%
    with pytest.raises(ValueError, match="same outcomes"):
        consensus({"a": {"1": 2.0, "2": 2.0}, "b": {"1": 2.0, "X": 2.0}})


def test_bad_prices_are_refused() -> None:
    with pytest.raises(ValueError, match="at least two"):
        fair_odds([2.0])
    with pytest.raises(ValueError, match=r"above 1\.0"):
        fair_odds([2.0, 1.0])
    with pytest.raises(ValueError):
        fair_odds([2.0, 2.0], "additive")


prices = st.lists(st.floats(min_value=1.01, max_value=60.0), min_size=2, max_size=8)


@given(prices, st.sampled_from(list(FairMethod)))
def test_fair_probabilities_sum_to_one_and_fair_odds_are_longer_when_there_is_a_margin(
    odds: list[float], method: FairMethod
) -> None:
    fair = fair_probabilities(odds, method)
    assert sum(fair) == pytest.approx(1.0, abs=1e-9)
    assert all(0 < p < 1 for p in fair)
    if sum(1 / o for o in odds) >= 1.0:
        assert all(f >= o * (1 - 1e-9) for f, o in zip(fair_odds(odds, method), odds, strict=True))


@given(st.lists(st.floats(min_value=1.05, max_value=30.0), min_size=2, max_size=6))
def test_shin_matches_the_package_on_any_book_with_a_margin(odds: list[float]) -> None:
    assume(sum(1 / o for o in odds) > 1.001)
    details = shin.calculate_implied_probabilities(odds, full_output=True)
    published = details.implied_probabilities
    assume(all(math.isfinite(p) for p in published))  # the package's optimiser gives NaN on a few books
    # and on a few it stops at its iteration cap unconverged (e.g. [2.375, 3.4375, 3.4375]: 1001
    # iterations, its probabilities summing to 1.0000157): compare only where it converged
    assume(details.iterations < 1000)
    assert fair_probabilities(odds, "shin") == pytest.approx(published, abs=1e-7)


def test_shin_where_the_package_stops_unconverged_still_solves_shins_equation() -> None:
    odds = [2.375, 3.4375, 3.4375]
    assert shin.calculate_implied_probabilities(odds, full_output=True).iterations > 1000
    pi = [1 / o for o in odds]
    book = sum(pi)

    def total(z: float) -> float:  # Shin: p_i = (sqrt(z^2 + 4 (1 - z) pi_i^2 / B) - z) / (2 (1 - z))
        return sum((math.sqrt(z * z + 4 * (1 - z) * q * q / book) - z) / (2 * (1 - z)) for q in pi)

    lo, hi = 0.0, 0.5  # total(z) falls through 1 on [0, 0.5]: bisect for Shin's z
    for _ in range(100):
        mid = (lo + hi) / 2
        if total(mid) > 1:
            lo = mid
        else:
            hi = mid
    z = lo
    expected = [(math.sqrt(z * z + 4 * (1 - z) * q * q / book) - z) / (2 * (1 - z)) for q in pi]
    assert fair_probabilities(odds, "shin") == pytest.approx(expected, abs=1e-9)
