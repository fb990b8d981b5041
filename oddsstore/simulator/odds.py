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


# A uniform number in [0, 1) from integers: (hash((a, b, ...)) & _MASK) * _INV. The tuple hash of ints is
# not salted per process (only str and bytes hashes are), so bodies are the same in every run.
_INV = 1.0 / 18446744073709551616.0


def line_key(line: float | None) -> int:
    return -1 if line is None else round(line * 100) + 100_000


@attrs.frozen(slots=True)
class PricedMarket:
    market: SiteMarket
    line: float | None
    prices: tuple[tuple[SiteOutcome, float], ...]


def price_event(
    platform: Platform, markets: tuple[SiteMarket, ...], seed: int, event: int, cycle: int, drift_rate: float
) -> Iterator[PricedMarket]:
    """Every (market, line) of one event on one site with its odds at ``cycle``.

    A share ``rate`` of the markets moves in each cycle: a market's version is
    ``int(cycle * rate + phase)`` with its own phase in [0, 1). This is the simulator's hot loop.
    """
    site = _SITE_KEY[platform]
    base_margin = _MARGIN[platform]
    rate = min(max(drift_rate, 0.0), 1.0)
    drifting = rate > 0 and cycle > 0
    for market in markets:
        mkey = market.hkey
        outcomes = market.outcomes
        for line in market.lines:
            lkey = line_key(line)
            margin = 1.0 + base_margin + 0.02 * ((hash((seed, site, event, mkey, lkey)) & _MASK) * _INV)
            weights = [0.25 + (hash((seed, event, o.key, lkey)) & _MASK) * _INV for o in outcomes]
            if drifting:
                moved = int(cycle * rate + (hash((seed, site, event, mkey, lkey, 7)) & _MASK) * _INV)
                if moved:
                    weights = [
                        w * (0.85 + 0.3 * (hash((seed, site, event, o.key, lkey, moved)) & _MASK) * _INV)
                        for w, o in zip(weights, outcomes, strict=True)
                    ]
            if market.single_group:
                total = sum(weights)
                totals = [total] * len(weights)
            else:
                by_group: dict[int, float] = {}
                for w, o in zip(weights, outcomes, strict=True):
                    by_group[o.group] = by_group.get(o.group, 0.0) + w
                totals = [by_group[o.group] for o in outcomes]
            prices = tuple(
                (o, max(1.01, min(500.0, round(t / (w * margin), 2))))
                for o, w, t in zip(outcomes, weights, totals, strict=True)
            )
            yield PricedMarket(market, line, prices)


def _odds(probability: float, margin: float) -> float:
    return max(1.01, min(500.0, round(1.0 / (probability * (1.0 + margin)), 2)))


def format_line(value: float) -> str:
    """2.5 -> "2.5", 1.0 -> "1", -0.5 -> "-0.5"."""
    return f"{value:g}"
