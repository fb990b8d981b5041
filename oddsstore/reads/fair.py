"""Margins and fair (margin-free) odds: pure maths over prices, no I/O.

A **margin** (overround, percent) is ``(sum of 1/odds - 1) * 100`` over a *complete set of active
outcomes*: every outcome the market should have is present and open. A market with a closed outcome,
or missing one of its expected outcomes, has no margin (``None``), never a wrong one: the open prices
of an incomplete set sum to less than the book and would understate it.

**Fair probabilities** remove the margin from one site's complete set of prices ``o_i`` (implied
``q_i = 1/o_i``, book ``S = sum q_i``):

- ``multiplicative`` (normalisation): ``p_i = q_i / S``.
- ``power``: ``p_i = q_i ** k`` with ``k`` chosen (bisection) so that ``sum p_i = 1``.
- ``shin`` (Shin 1993, insider share ``z``): ``p_i = (sqrt(z^2 + 4 (1 - z) q_i^2 / S) - z) / (2 (1 - z))``
  with ``z`` in ``[0, 1)`` found by bisection so that ``sum p_i = 1``. A book without margin
  (``S <= 1``) has no insider to remove: Shin then falls back to normalisation.

Fair odds are ``1 / p_i``. The **consensus** fair probability of an outcome is the arithmetic mean of
the fair probabilities of the sites that price the market completely (each site's by the same
method); its fair odds are ``1 / mean``. A price has **value** when it beats the consensus fair odds by
at least ``threshold`` (default 3%): ``odds / consensus_fair_odds - 1 >= threshold``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Collection, Mapping, Sequence

import attrs

from oddsstore.models import Market

__all__ = [
    "DEFAULT_VALUE_THRESHOLD",
    "FairMethod",
    "ValuePrice",
    "book_margin",
    "complete_prices",
    "consensus",
    "consensus_of",
    "fair_odds",
    "fair_probabilities",
    "is_complete",
    "margin",
    "value",
    "value_edge",
]

DEFAULT_VALUE_THRESHOLD = 0.03

_ITERATIONS = 200  # bisection halvings: far below float resolution long before this


class FairMethod(enum.StrEnum):
    MULTIPLICATIVE = "multiplicative"
    POWER = "power"
    SHIN = "shin"


def is_complete(
    names: Sequence[str], signed: Sequence[float], expected: Collection[str] | None = None
) -> bool:
    """Whether outcome ``names`` with ``signed`` prices (outcome order, an inactive one negated: the
    stored form) are a complete set of active outcomes: at least two, no name twice, every price
    finite and above 1 (a closed outcome or a placeholder of 1 is no price), and (when ``expected`` is
    given) exactly the names ``expected``."""
    if len(names) < 2:
        return False
    unique = set(names)
    if len(unique) != len(names) or (expected is not None and unique != set(expected)):
        return False
    return all(1.0 < p < math.inf for p in signed)


def book_margin(prices: Sequence[float]) -> float:
    """Overround in percent of a complete set of prices: ``(sum of 1/odds - 1) * 100``."""
    return (sum(1.0 / p for p in prices) - 1.0) * 100.0


def complete_prices(market: Market, expected: Collection[str] | None = None) -> tuple[float, ...] | None:
    """The market's prices in outcome order when they form a complete set of active outcomes (see
    ``is_complete``), else None."""
    names = [o.name for o in market.outcomes]
    signed = [o.odds if o.is_active else -o.odds for o in market.outcomes]
    return tuple(signed) if is_complete(names, signed, expected) else None


def margin(market: Market, expected: Collection[str] | None = None) -> float | None:
    """Overround in percent over a complete set of active outcomes (see ``is_complete``), else None."""
    prices = complete_prices(market, expected)
    return None if prices is None else book_margin(prices)


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of ``f`` (positive below it, not above) in ``[lo, hi]``, by halving."""
    for _ in range(_ITERATIONS):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _check(odds: Sequence[float]) -> list[float]:
    if len(odds) < 2:
        raise ValueError("fair odds need at least two prices")
    q = []
    for o in odds:
        if not 1.0 < o < math.inf:  # finite and above 1 (NaN compares false)
            raise ValueError(f"prices must be finite and above 1.0, got {list(odds)!r}")
        q.append(1.0 / o)
    return q


def _shin(q: list[float]) -> list[float]:
    book = sum(q)
    if book <= 1.0:
        return [x / book for x in q]

    def probs(z: float) -> list[float]:
        return [(math.sqrt(z * z + 4 * (1 - z) * x * x / book) - z) / (2 * (1 - z)) for x in q]

    # sum(probs(z)) - 1 falls as z grows: sqrt(S) - 1 > 0 at z = 0, below zero well before z = 1
    z = _bisect(lambda z: sum(probs(z)) - 1.0, 0.0, 1.0 - 1e-12)
    return probs(z)


def _power(q: list[float]) -> list[float]:
    # sum(q_i ** k) falls as k grows (every q_i < 1); k = 1 is the book itself
    lo, hi = (1.0, 2.0) if sum(q) > 1.0 else (0.5, 1.0)
    while sum(x**hi for x in q) > 1.0:
        hi *= 2
    while sum(x**lo for x in q) < 1.0:
        lo /= 2
    k = _bisect(lambda k: sum(x**k for x in q) - 1.0, lo, hi)
    return [x**k for x in q]


def fair_probabilities(
    odds: Sequence[float], method: FairMethod | str = FairMethod.MULTIPLICATIVE
) -> tuple[float, ...]:
    """One site's complete set of prices -> margin-free probabilities (summing to 1) by ``method``."""
    q = _check(odds)
    how = method if isinstance(method, FairMethod) else FairMethod(method)
    if how is FairMethod.MULTIPLICATIVE:
        book = sum(q)
        return tuple(x / book for x in q)
    if how is FairMethod.POWER:
        return tuple(_power(q))
    return tuple(_shin(q))


def fair_odds(
    odds: Sequence[float], method: FairMethod | str = FairMethod.MULTIPLICATIVE
) -> tuple[float, ...]:
    """One site's complete set of prices -> fair odds (``1 / fair probability``) by ``method``."""
    return tuple(1.0 / p for p in fair_probabilities(odds, method))


def consensus(
    sites: Mapping[str, Mapping[str, float]], method: FairMethod | str = FairMethod.MULTIPLICATIVE
) -> dict[str, float]:
    """Consensus fair odds per outcome: ``1 / mean`` of the sites' fair probabilities.

    ``sites`` maps a site to its complete set of prices ``{outcome: odds}``; every site must price the
    same outcomes (a site with another set is a different market: ``ValueError``). No site: ``{}``.
    """
    return consensus_of(
        {
            site: dict(zip(prices, fair_probabilities(list(prices.values()), method), strict=True))
            for site, prices in sites.items()
        }
    )


def consensus_of(probabilities: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Consensus fair odds from each site's fair probabilities ``{site: {outcome: p}}`` (all sites the
    same outcomes, else ``ValueError``): ``1 / mean`` of them per outcome. No site: ``{}``."""
    if not probabilities:
        return {}
    first = next(iter(probabilities.values()))
    if any(p.keys() != first.keys() for p in probabilities.values()):
        raise ValueError("consensus needs every site to price the same outcomes")
    totals = dict.fromkeys(first, 0.0)
    for probs in probabilities.values():
        for name, p in probs.items():
            totals[name] += p
    return {name: len(probabilities) / total for name, total in totals.items()}


def value_edge(odds: float, fair: float) -> float:
    """How far ``odds`` beats the fair odds ``fair``, as a fraction: ``odds / fair - 1``."""
    return odds / fair - 1.0


@attrs.frozen(slots=True)
class ValuePrice:
    """A site's price that beats the consensus fair odds by at least the threshold."""

    platform: str
    outcome: str
    odds: float
    fair_odds: float
    edge: float  # odds / fair_odds - 1

    def to_dict(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "outcome": self.outcome,
            "odds": self.odds,
            "fair_odds": self.fair_odds,
            "edge": self.edge,
        }


def value(
    sites: Mapping[str, Mapping[str, float]],
    fair: Mapping[str, float],
    threshold: float = DEFAULT_VALUE_THRESHOLD,
) -> tuple[ValuePrice, ...]:
    """The prices of ``sites`` (``{site: {outcome: odds}}``, active prices only) whose edge over the fair
    odds ``fair`` (e.g. ``consensus``) is at least ``threshold``, in site then outcome order."""
    if not math.isfinite(threshold):
        raise ValueError("threshold must be a finite number")
    found = []
    for site, prices in sites.items():
        for outcome, odds in prices.items():
            if outcome in fair and (edge := value_edge(odds, f := fair[outcome])) >= threshold:
                found.append(ValuePrice(site, outcome, odds, f, edge))
    return tuple(found)
