"""The simulated board, its market catalogue and its latency model: deterministic and realistic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from oddsstore.devtools.simulator import (
    DEFAULT_LATENCY,
    Board,
    BoardConfig,
    FaultConfig,
    LatencyProfile,
    SimulatorConfig,
    SimulatorState,
)
from oddsstore.devtools.simulator.catalog import build_catalog, source_markets
from oddsstore.devtools.simulator.odds import OddsBook
from oddsstore.models import ALL_PLATFORMS, Platform

ANCHOR = datetime(2026, 11, 30, 6, 7, tzinfo=UTC)


def test_board_is_deterministic_from_its_seed() -> None:
    a = Board(BoardConfig(events=200, seed=3), ANCHOR)
    b = Board(BoardConfig(events=200, seed=3), ANCHOR)
    c = Board(BoardConfig(events=200, seed=4), ANCHOR)
    assert a.events == b.events
    assert [e.home for e in a.events] != [e.home for e in c.events]


def test_default_board_has_production_proportions() -> None:
    board = Board(BoardConfig(), ANCHOR)
    assert len(board.events) == 1300
    on_all = sum(1 for e in board.events if len(e.platforms) == 3)
    assert 0.66 < on_all / 1300 < 0.74
    for platform in ALL_PLATFORMS:
        assert 1000 <= len(board.on(platform)) <= 1300
    upcoming = [e for e in board.events if e.kickoff > ANCHOR]
    assert len(upcoming) > 0.95 * 1300
    assert max(e.kickoff for e in board.events) <= ANCHOR + timedelta(days=5, minutes=15)
    assert all(e.kickoff.tzinfo is UTC for e in board.events)
    assert len({e.sportradar_id for e in board.events}) == 1300
    assert all(e.home != e.away for e in board.events)
    # a few big competitions: BetPawa has to page past 100 events
    biggest = max(len(board.competition_events(Platform.BETPAWA, c.index)) for c in board.competitions)
    assert biggest > 100


@pytest.mark.parametrize(("platform", "low", "high"), [
    (Platform.BETPAWA, 160, 190), (Platform.SPORTYBET, 180, 215), (Platform.BET9JA, 160, 170),
])  # fmt: skip
def test_market_counts_per_event_are_realistic(platform: Platform, low: int, high: int) -> None:
    catalog = build_catalog(platform)
    assert low <= source_markets(platform, catalog) <= high
    unmapped = [m for m in catalog if not m.mapped]
    assert unmapped
    assert catalog[0].key in {"3743", "1", "S_1X2"}  # 1X2 first, as on every site


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
def test_latency_matches_production_percentiles(platform: Platform) -> None:
    profile = DEFAULT_LATENCY[platform]
    rng = random.Random(1)
    samples = sorted(profile.sample_s(rng, 1, 1.0) * 1000 for _ in range(20_000))
    p50, p95 = samples[len(samples) // 2], samples[int(len(samples) * 0.95)]
    assert p50 == pytest.approx(profile.p50_ms, rel=0.05)
    assert p95 == pytest.approx(profile.p95_ms, rel=0.07)


def test_latency_grows_past_the_limit_and_scales_with_time_scale() -> None:
    profile = LatencyProfile(100.0, 200.0, limit=10)
    at_limit = profile.sample_s(random.Random(2), 10, 1.0)
    pushed = profile.sample_s(random.Random(2), 30, 1.0)
    scaled = profile.sample_s(random.Random(2), 10, 0.01)
    assert pushed == pytest.approx(at_limit * 3.0)
    assert scaled == pytest.approx(at_limit * 0.01)


def test_fault_config_rate_limit_and_validation() -> None:
    rng = random.Random(0)
    always = FaultConfig(rate=1.0, kinds=("http_503",), limit=2)
    assert always.pick(rng, "event", 0) == "http_503"
    assert always.pick(rng, "event", 2) is None
    assert FaultConfig(rate=1.0, endpoints=("list",)).pick(rng, "event", 0) is None
    assert FaultConfig().pick(rng, "event", 0) is None
    picks = [FaultConfig(rate=0.3).pick(rng, "tree", 0) for _ in range(5000)]
    assert 0.25 < sum(p is not None for p in picks) / 5000 < 0.35
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultConfig(kinds=("meteor",))
    with pytest.raises(ValueError, match="unknown fault settings"):
        FaultConfig.from_dict({"rate": 0.1, "colour": "red"})


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
def test_odds_book_cache_equals_a_fresh_computation(platform: Platform) -> None:
    """Odds are a function of (seed, event, cycle, rate): the per-event cache must never change them."""
    board = Board(BoardConfig(events=20, seed=2), ANCHOR)
    walked = OddsBook(platform, board.catalogs[platform], seed=2)
    changed_lines = []
    for cycle, rate in [(0, 0.1), (1, 0.1), (2, 0.1), (5, 0.3), (5, 0.0), (9, 1.0)]:
        fresh = OddsBook(platform, board.catalogs[platform], seed=2)
        before = list(walked.odds(7, max(cycle - 1, 0), rate))
        now = list(walked.odds(7, cycle, rate))
        assert now == list(fresh.odds(7, cycle, rate))
        assert walked.first_line(7, cycle, rate) == now[: len(walked.first_line(7, cycle, rate))]
        changed_lines.append(sum(a != b for a, b in zip(before, now, strict=True)))
    assert changed_lines[0] == 0 and changed_lines[4] == 0  # cycle 0, rate 0: nothing moves
    assert changed_lines[5] > 0  # rate 1: everything moves every cycle
    assert all(1.01 <= x <= 500.0 for x in walked.odds(3, 4, 0.2))


def test_prewarm_prices_every_listed_event() -> None:
    config = SimulatorConfig(board=BoardConfig(events=30, seed=6), anchor=ANCHOR)
    cold, warm = SimulatorState(config), SimulatorState(config)
    warm.prewarm()
    for platform in ALL_PLATFORMS:
        assert cold.books[platform].cached_events == 0
        assert warm.books[platform].cached_events == len(warm.board.on(platform)) > 0
        for event in warm.board.on(platform):
            warm_odds = list(warm.books[platform].odds(event.index, 0, 0.1))
            assert warm_odds == list(cold.books[platform].odds(event.index, 0, 0.1))


def test_the_simulators_sportybet_line_markets_are_the_parsers() -> None:
    from oddsstore.devtools.simulator import catalog
    from oddsstore.parsing import mapping

    assert catalog.TOTAL_IDS == mapping.SPORTYBET_TOTAL_IDS
    assert catalog.ASIAN_IDS | catalog.EUROPEAN_IDS == mapping.SPORTYBET_HANDICAP_IDS
    assert not catalog.ASIAN_IDS & catalog.EUROPEAN_IDS
