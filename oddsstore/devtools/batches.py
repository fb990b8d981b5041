"""Deterministic, realistic batches for tests and benchmarks (no I/O, no randomness beyond the seed).

``make_batch(seed=1)`` gives 50 events on three sites with 167 markets per snapshot and 2-3 outcomes
per market (about 25,000 market rows), the shape of a real scrape batch. The same seed always gives
the same batch.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from oddsstore.models import (
    ALL_PLATFORMS,
    EventOdds,
    Market,
    Outcome,
    Platform,
    ScrapeBatch,
    ScrapedEvent,
    SiteResult,
)

__all__ = ["make_batch", "make_event", "make_markets"]

# (market_id, name, outcome names, kind) in BetPawa's taxonomy; kind: plain, total, asian, european.
_TEMPLATES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("3743", "1X2 - Full Time", ("1", "X", "2"), "plain"),
    ("4693", "Double Chance - Full Time", ("1X", "X2", "12"), "plain"),
    ("3795", "Both Teams To Score - Full Time", ("Yes", "No"), "plain"),
    ("5000", "Over/Under - Full Time", ("Over", "Under"), "total"),
    ("5006", "Over/Under - 1st Half", ("Over", "Under"), "total"),
    ("5003", "Home Team Over/Under", ("Over", "Under"), "total"),
    ("5004", "Away Team Over/Under", ("Over", "Under"), "total"),
    ("3774", "Asian Handicap - Full Time", ("1", "2"), "asian"),
    ("4724", "European Handicap - Full Time", ("1", "X", "2"), "european"),
    ("4706", "Half Time/Full Time", ("1/1", "1/X", "1/2"), "plain"),
)
_GROUPS = ("popular", "goals", "handicaps", "halves")
_TEAMS = ("Arsenal", "Chelsea", "Enyimba", "Rangers", "Kano Pillars", "Orlando Pirates", "Al Ahly", "Wydad")
_TOURNAMENTS = (
    ("Premier League", "England"),
    ("NPFL", "Nigeria"),
    ("PSL", "South Africa"),
    ("Botola", "Morocco"),
)


def make_markets(rng: random.Random, count: int, *, with_groups: bool) -> tuple[Market, ...]:
    """``count`` distinct markets (by ``(market_id, line)``) with 2-3 outcomes each."""
    markets: list[Market] = []
    step = 0
    while len(markets) < count:
        for market_id, name, outcomes, kind in _TEMPLATES:
            if len(markets) >= count:
                break
            if kind == "plain" and step > 0:
                name = f"{name} #{step}"  # repeat plain markets under another id to reach the count
                market_id = f"{market_id}{step:03d}"
            magnitude = 0.5 + 0.25 * step
            line = None if kind == "plain" else (-magnitude if kind != "total" and step % 2 else magnitude)
            markets.append(
                Market(
                    market_id=market_id,
                    market_name=name,
                    outcomes=tuple(
                        Outcome(name=o, odds=round(rng.uniform(1.02, 15.0), 2), is_active=rng.random() > 0.03)
                        for o in outcomes
                    ),
                    line=line,
                    handicap_type=None if kind in ("plain", "total") else kind,
                    handicap_home=line if kind in ("asian", "european") else None,
                    handicap_away=-line if kind in ("asian", "european") and line is not None else None,
                    groups=(_GROUPS[step % len(_GROUPS)], "all") if with_groups else None,
                )
            )
        step += 1
    return tuple(markets)


def make_event(
    rng: random.Random,
    index: int,
    *,
    platforms: Sequence[Platform] = ALL_PLATFORMS,
    failed: Sequence[Platform] = (),
    markets_per_snapshot: int = 167,
    now: datetime,
) -> ScrapedEvent:
    """One scraped event ``sr:match:<index>``; sites in ``failed`` come back with an error."""
    sr_id = f"sr:match:{index}"
    kickoff = now + timedelta(hours=1 + index % 72)
    home, away = rng.sample(_TEAMS, 2)
    tournament, country = _TOURNAMENTS[index % len(_TOURNAMENTS)]
    results: list[SiteResult] = []
    for position, platform in enumerate(platforms):
        timing = 50 + rng.randrange(400)
        if platform in failed:
            results.append(SiteResult(platform=platform, error="HTTP 503 after 3 attempts", timing_ms=timing))
            continue
        markets = make_markets(rng, markets_per_snapshot, with_groups=platform is Platform.BETPAWA)
        odds = EventOdds(
            platform=platform,
            sportradar_id=sr_id,
            platform_event_id=f"{platform.value[:3]}-{index * 10 + position}",
            kickoff=kickoff,
            home_team=home,
            away_team=away,
            markets=markets,
            tournament=tournament,
            tournament_id=f"{platform.value[:3]}-t{index % len(_TOURNAMENTS)}",
            country=country,
            markets_seen=len(markets) + 12,
            markets_mapped=len(markets),
            skipped={"unmapped_market": 12},
        )
        results.append(SiteResult(platform=platform, odds=odds, timing_ms=timing))
    return ScrapedEvent(
        sportradar_id=sr_id,
        platforms_requested=tuple(platforms),
        results=tuple(results),
        timing_ms=max((r.timing_ms for r in results), default=0) + 5,
        scraped_at=now,
    )


def make_batch(
    seed: int = 1,
    *,
    events: int = 50,
    markets_per_snapshot: int = 167,
    platforms: Sequence[Platform] = ALL_PLATFORMS,
    failure_rate: float = 0.0,
    first_index: int = 1000,
    now: datetime | None = None,
    batch_index: int = 0,
) -> ScrapeBatch:
    """A batch of ``events`` events on ``platforms``; each site fails with probability ``failure_rate``."""
    rng = random.Random(seed)
    at = now or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    scraped = []
    for i in range(events):
        failed = [p for p in platforms if rng.random() < failure_rate]
        scraped.append(
            make_event(
                rng,
                first_index + i,
                platforms=platforms,
                failed=failed,
                markets_per_snapshot=markets_per_snapshot,
                now=at,
            )
        )
    return ScrapeBatch(events=tuple(scraped), batch_index=batch_index)
