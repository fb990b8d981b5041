"""Per-site response latency: lognormal fitted to production p50/p95, growing past the site's limit."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import attrs

from oddsstore.models import Platform

_Z95 = 1.6448536269514722  # the standard normal's 95th percentile


@attrs.frozen(slots=True)
class LatencyProfile:
    """Latency of one site: ``p50_ms``/``p95_ms`` at or under ``limit`` requests in flight; past it every
    extra ``limit`` requests in flight add ``growth`` times the base latency."""

    p50_ms: float
    p95_ms: float
    limit: int
    growth: float = 1.0

    @property
    def sigma(self) -> float:
        return math.log(self.p95_ms / self.p50_ms) / _Z95

    def sample_s(self, rng: random.Random, in_flight: int, time_scale: float) -> float:
        base_ms = self.p50_ms * math.exp(self.sigma * rng.gauss(0.0, 1.0))
        over = max(0, in_flight - self.limit)
        return base_ms * (1.0 + self.growth * over / self.limit) * time_scale / 1000.0


DEFAULT_LATENCY: Mapping[Platform, LatencyProfile] = {
    Platform.BETPAWA: LatencyProfile(337.0, 517.0, limit=50),
    Platform.SPORTYBET: LatencyProfile(505.0, 979.0, limit=50),
    Platform.BET9JA: LatencyProfile(596.0, 841.0, limit=15),
}
