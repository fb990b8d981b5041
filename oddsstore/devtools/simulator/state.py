"""The simulator's configuration, its mutable run state (cycle, faults) and its per-site counters."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from oddsstore.devtools.simulator.board import Board, BoardConfig
from oddsstore.devtools.simulator.faults import NO_FAULTS, FaultConfig
from oddsstore.devtools.simulator.latency import DEFAULT_LATENCY, LatencyProfile
from oddsstore.devtools.simulator.odds import OddsBook
from oddsstore.devtools.simulator.templates import BodyTemplates
from oddsstore.models import ALL_PLATFORMS, Platform


@attrs.frozen(slots=True)
class SimulatorConfig:
    """How the simulator starts. ``time_scale`` multiplies every latency (tests use 0.001-0.01)."""

    board: BoardConfig = attrs.field(factory=BoardConfig)
    time_scale: float = 1.0
    drift_rate: float = 0.1  # share of a site's markets whose odds move per cycle
    faults: Mapping[Platform, FaultConfig] = attrs.field(factory=dict)
    latency: Mapping[Platform, LatencyProfile] = DEFAULT_LATENCY
    bet9ja_max_in_flight: int = 15  # more than this in flight -> HTTP 403
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    anchor: datetime | None = None  # "now" for the board's kickoffs; default: the start time
    seed_faults: int | None = None  # seed of the fault and latency draws (default: the board seed)
    prewarm: bool = False  # price every event at start, so the first cycle's bodies cost less CPU


@attrs.define(slots=True)
class SiteStats:
    """What one simulated site saw."""

    requests: Counter[str] = attrs.field(factory=Counter)  # endpoint kind -> requests
    statuses: Counter[int] = attrs.field(factory=Counter)
    faults: Counter[str] = attrs.field(factory=Counter)  # fault kind -> injected
    in_flight: int = 0
    peak_in_flight: int = 0
    throttled: int = 0  # Bet9ja 403 answers for exceeding the in-flight limit

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "total_requests": self.total_requests,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "faults": dict(self.faults),
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "throttled": self.throttled,
        }


class SimulatorState:
    """Everything a running simulator changes: the cycle, the faults, the counters."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.anchor = config.anchor or datetime.now(UTC)
        self.board = Board(config.board, self.anchor)
        self.templates = BodyTemplates(self.board)
        # each site's odds, recomputed per event only where they drifted (a few MB for the whole board)
        self.books = {p: OddsBook(p, self.board.catalogs[p], config.board.seed) for p in ALL_PLATFORMS}
        self.cycle = 0
        self.time_scale = config.time_scale
        self.drift_rate = config.drift_rate
        self.faults: dict[Platform, FaultConfig] = {p: config.faults.get(p, NO_FAULTS) for p in ALL_PLATFORMS}
        seed = config.board.seed if config.seed_faults is None else config.seed_faults
        self.rng = random.Random(seed)
        self.stats: dict[Platform, SiteStats] = {p: SiteStats() for p in ALL_PLATFORMS}
        self.injected: dict[Platform, int] = {p: 0 for p in ALL_PLATFORMS}

    def prewarm(self) -> None:
        """Price every event on every site now (a few ms per event and site) rather than on first request."""
        for platform, book in self.books.items():
            for event in self.board.on(platform):
                book.odds(event.index, self.cycle, self.drift_rate)

    def advance(self) -> int:
        self.cycle += 1
        return self.cycle

    def set_faults(self, platform: Platform, faults: FaultConfig) -> None:
        self.faults[platform] = faults
        self.injected[platform] = 0  # ``limit`` counts from now

    def reset_stats(self) -> None:
        self.stats = {p: SiteStats() for p in ALL_PLATFORMS}

    def stats_dict(self) -> dict[str, Any]:
        return {"cycle": self.cycle, "sites": {p.value: s.as_dict() for p, s in self.stats.items()}}

    def apply(self, changes: Mapping[str, Any]) -> None:
        """``POST /_sim/config``: ``{"faults": {"bet9ja": {...}}, "drift_rate": .., "time_scale": ..}``."""
        unknown = set(changes) - {"faults", "drift_rate", "time_scale"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        for name, faults in dict(changes.get("faults") or {}).items():
            self.set_faults(Platform(name), FaultConfig.from_dict(dict(faults)))
        if "drift_rate" in changes:
            self.drift_rate = float(changes["drift_rate"])
        if "time_scale" in changes:
            self.time_scale = float(changes["time_scale"])
