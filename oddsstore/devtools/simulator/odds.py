"""Deterministic odds: a function of (seed, event, site market, line, outcome, cycle and drift rate).

Base probabilities are shared by the three sites (the same bet has similar odds everywhere); each site
adds its own margin. Odds drift: in each cycle a share ``drift_rate`` of a site's markets moves. The
:class:`OddsBook` only remembers each event's last odds to avoid recomputing the lines that did not move.
"""

from __future__ import annotations

from array import array

from oddsstore.devtools.simulator.catalog import SiteMarket, int_key
from oddsstore.models import Platform

_MASK = 0xFFFFFFFFFFFFFFFF
_MARGIN = {Platform.BETPAWA: 0.06, Platform.SPORTYBET: 0.05, Platform.BET9JA: 0.07}
_SITE_KEY = {p: int_key(p.value) for p in Platform}


# A uniform number in [0, 1) from integers: (hash((a, b, ...)) & _MASK) * _INV. The tuple hash of ints is
# not salted per process (only str and bytes hashes are), so bodies are the same in every run.
_INV = 1.0 / 18446744073709551616.0


def line_key(line: float | None) -> int:
    return -1 if line is None else round(line * 100) + 100_000


class OddsBook:
    """The odds of one site's events: every outcome of every (market, line) as one flat array per event.

    Odds are a pure function of (seed, event, line, outcome, version); a line's version is
    ``int(cycle * rate + phase)`` with its own phase in [0, 1), so a share ``rate`` of the lines moves in
    each cycle. The book keeps each event's last odds (a few kB per event, in ``array`` form) and recomputes
    only the lines whose version moved since: the simulator's hot loop.
    """

    def __init__(self, platform: Platform, catalog: tuple[SiteMarket, ...], seed: int) -> None:
        self._seed = seed
        self._site = _SITE_KEY[platform]
        self._margin = _MARGIN[platform]
        lines: list[tuple[int, int, tuple[int, ...], tuple[int, ...] | None]] = []
        offsets: list[int] = []
        size = 0
        for market in catalog:
            okeys = tuple(o.key for o in market.outcomes)
            groups = None if market.single_group else tuple(o.group for o in market.outcomes)
            for line in market.lines:
                lines.append((market.hkey, line_key(line), okeys, groups))
                offsets.append(size)
                size += len(okeys)
        self._lines = tuple(lines)
        self.offsets = tuple(offsets)  # where each (market, line)'s odds start in an event's array
        self.size = size
        self._events: dict[int, tuple[array[int], array[float]]] = {}

    @property
    def cached_events(self) -> int:
        return len(self._events)

    def odds(self, event: int, cycle: int, drift_rate: float) -> array[float]:
        """The event's odds at ``cycle``, flat; read it before the next call (the array is reused)."""
        rate = min(max(drift_rate, 0.0), 1.0)
        drifting = rate > 0 and cycle > 0
        seed, site = self._seed, self._site
        cached = self._events.get(event)
        fresh = cached is None
        if cached is None:
            cached = (array("i", bytes(4 * len(self._lines))), array("d", bytes(8 * self.size)))
            self._events[event] = cached
        versions, odds = cached
        for index, (mkey, lkey, _, _) in enumerate(self._lines):
            version = (
                int(cycle * rate + (hash((seed, site, event, mkey, lkey, 7)) & _MASK) * _INV)
                if drifting
                else 0
            )
            if fresh or versions[index] != version:
                start = self.offsets[index]
                values = self.line_odds(event, index, version)
                odds[start : start + len(values)] = array("d", values)
                versions[index] = version
        return odds

    def line_odds(self, event: int, index: int, version: int) -> list[float]:
        """One (market, line)'s odds at ``version``, computed afresh (list endpoints use the 1X2 line)."""
        seed, site = self._seed, self._site
        mkey, lkey, okeys, groups = self._lines[index]
        margin = 1.0 + self._margin + 0.02 * ((hash((seed, site, event, mkey, lkey)) & _MASK) * _INV)
        weights = [0.25 + (hash((seed, event, k, lkey)) & _MASK) * _INV for k in okeys]
        if version:
            weights = [
                w * (0.85 + 0.3 * (hash((seed, site, event, k, lkey, version)) & _MASK) * _INV)
                for w, k in zip(weights, okeys, strict=True)
            ]
        if groups is None:
            total = sum(weights)
            return [max(1.01, min(500.0, round(total / (w * margin), 2))) for w in weights]
        by_group: dict[int, float] = {}
        for w, g in zip(weights, groups, strict=True):
            by_group[g] = by_group.get(g, 0.0) + w
        return [
            max(1.01, min(500.0, round(by_group[g] / (w * margin), 2)))
            for w, g in zip(weights, groups, strict=True)
        ]

    def first_line(self, event: int, cycle: int, drift_rate: float) -> list[float]:
        """The first (market, line)'s odds (1X2 on every site) without touching the cache."""
        rate = min(max(drift_rate, 0.0), 1.0)
        version = 0
        if rate > 0 and cycle > 0:
            mkey, lkey, _, _ = self._lines[0]
            phase = (hash((self._seed, self._site, event, mkey, lkey, 7)) & _MASK) * _INV
            version = int(cycle * rate + phase)
        return self.line_odds(event, 0, version)


def format_line(value: float) -> str:
    """2.5 -> "2.5", 1.0 -> "1", -0.5 -> "-0.5"."""
    return f"{value:g}"
