"""Deterministic odds: a function of (seed, event, site market, line, outcome, cycle), no stored state.

Base probabilities are shared by the three sites (the same bet has similar odds everywhere); each site
adds its own margin. Odds drift: in each cycle a share ``drift_rate`` of a site's markets moves.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from oddsstore.models import Platform
from oddsstore.simulator.catalog import SiteMarket, SiteOutcome, int_key

_MASK = 0xFFFFFFFFFFFFFFFF
_MARGIN = {Platform.BETPAWA: 0.06, Platform.SPORTYBET: 0.05, Platform.BET9JA: 0.07}
_SITE_KEY = {p: int_key(p.value) for p in Platform}


def unit(*parts: int) -> float:
    """A uniform number in [0, 1) from integers (the tuple hash of ints is not salted per process)."""
    return (hash(parts) & _MASK) / 18446744073709551616.0


def line_key(line: float | None) -> int:
    return -1 if line is None else round(line * 100) + 100_000


@attrs.frozen(slots=True)
class PricedMarket:
    market: SiteMarket
    line: float | None
    prices: tuple[tuple[SiteOutcome, float], ...]


def version(seed: int, site: int, event: int, market: int, line: int, cycle: int, rate: float) -> int:
    """How many times this market has moved by ``cycle`` (0 = never): each market moves once every
    ``1/rate`` cycles at its own phase, so a share ``rate`` of the markets moves in each cycle."""
    if rate <= 0 or cycle <= 0:
        return 0
    phase = unit(seed, site, event, market, line, 7)
    return int(cycle * min(rate, 1.0) + phase)


def price_event(
    platform: Platform, markets: tuple[SiteMarket, ...], seed: int, event: int, cycle: int, drift_rate: float
) -> Iterator[PricedMarket]:
    """Every (market, line) of one event on one site with its odds at ``cycle``."""
    site = _SITE_KEY[platform]
    base_margin = _MARGIN[platform]
    for market in markets:
        mkey = market.hkey
        for line in market.lines:
            lkey = line_key(line)
            moved = version(seed, site, event, mkey, lkey, cycle, drift_rate)
            margin = base_margin + 0.02 * unit(seed, site, event, mkey, lkey)
            weights: dict[SiteOutcome, float] = {}
            totals: dict[int, float] = {}
            for outcome in market.outcomes:
                w = 0.25 + unit(seed, event, outcome.key, lkey)
                if moved:
                    w *= 0.85 + 0.3 * unit(seed, site, event, outcome.key, lkey, moved)
                weights[outcome] = w
                totals[outcome.group] = totals.get(outcome.group, 0.0) + w
            prices = tuple(
                (outcome, _odds(w / totals[outcome.group], margin)) for outcome, w in weights.items()
            )
            yield PricedMarket(market, line, prices)


def _odds(probability: float, margin: float) -> float:
    return max(1.01, min(500.0, round(1.0 / (probability * (1.0 + margin)), 2)))


def format_line(value: float) -> str:
    """2.5 -> "2.5", 1.0 -> "1", -0.5 -> "-0.5"."""
    return f"{value:g}"
