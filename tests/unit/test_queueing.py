"""Merge by SportRadar id, priority order and batching: the cycle's pure policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oddsstore.cycle.planning import (
    Urgency,
    count_by_coverage,
    count_by_urgency,
    cut_batches,
    merge_discoveries,
    prioritise,
    requests_by_platform,
    urgency,
)
from oddsstore.models import DiscoveredEvent, EventTarget, Platform

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def discovered(
    platform: Platform, sr: str, kickoff: datetime, home: str = "Home", pid: str | None = None
) -> DiscoveredEvent:
    return DiscoveredEvent(
        platform=platform,
        sportradar_id=sr,
        platform_event_id=pid or f"{platform.value}-{sr}",
        kickoff=kickoff,
        home_team=home,
        away_team="Away",
    )


def target(sr: str, minutes: float, *platforms: Platform) -> EventTarget:
    return EventTarget(
        sportradar_id=sr,
        kickoff=NOW + timedelta(minutes=minutes),
        platform_ids={p: f"{p.value}-{sr}" for p in platforms},
    )


ALL3 = (Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA)


def test_merge_joins_sites_by_sportradar_id_and_keeps_each_sites_event_id() -> None:
    kick = NOW + timedelta(hours=3)
    result = merge_discoveries(
        {
            Platform.BETPAWA: [
                discovered(Platform.BETPAWA, "1", kick, pid="bp1"),
                discovered(Platform.BETPAWA, "2", kick),
            ],
            Platform.SPORTYBET: [discovered(Platform.SPORTYBET, "1", kick, pid="sr:match:1")],
            Platform.BET9JA: [discovered(Platform.BET9JA, "3", kick, pid="b9-3")],
        }
    )
    by_sr = {t.sportradar_id: t for t in result.targets}
    assert set(by_sr) == {"1", "2", "3"}
    assert dict(by_sr["1"].platform_ids) == {Platform.BETPAWA: "bp1", Platform.SPORTYBET: "sr:match:1"}
    assert by_sr["2"].platforms == (Platform.BETPAWA,)
    assert dict(by_sr["3"].platform_ids) == {Platform.BET9JA: "b9-3"}
    assert result.kickoff_disagreements == 0
    assert result.duplicates_dropped == 0


def test_merge_counts_kickoff_disagreements_and_keeps_the_earliest() -> None:
    early = NOW + timedelta(hours=1)
    late = early + timedelta(minutes=15)
    result = merge_discoveries(
        {
            Platform.BETPAWA: [
                discovered(Platform.BETPAWA, "1", late),
                discovered(Platform.BETPAWA, "2", late),
            ],
            Platform.SPORTYBET: [
                discovered(Platform.SPORTYBET, "1", early),
                discovered(Platform.SPORTYBET, "2", late),
            ],
            Platform.BET9JA: [discovered(Platform.BET9JA, "1", late)],
        }
    )
    by_sr = {t.sportradar_id: t for t in result.targets}
    assert by_sr["1"].kickoff == early
    assert by_sr["2"].kickoff == late
    assert result.kickoff_disagreements == 1


def test_merge_prefers_betpawa_team_names_and_drops_duplicates_within_a_site() -> None:
    kick = NOW + timedelta(hours=5)
    result = merge_discoveries(
        {
            Platform.SPORTYBET: [discovered(Platform.SPORTYBET, "9", kick, home="Sporty FC")],
            Platform.BETPAWA: [
                discovered(Platform.BETPAWA, "9", kick, home="Pawa FC", pid="first"),
                discovered(Platform.BETPAWA, "9", kick, home="Pawa FC", pid="second"),
            ],
        }
    )
    (only,) = result.targets
    assert only.home_team == "Pawa FC"
    assert only.platform_ids[Platform.BETPAWA] == "first"
    assert result.duplicates_dropped == 1


def test_merge_of_nothing_is_empty() -> None:
    result = merge_discoveries({})
    assert result.targets == ()


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (-5, Urgency.UNDER_30_MIN),
        (29, Urgency.UNDER_30_MIN),
        (30, Urgency.UNDER_2_HOURS),
        (119, Urgency.UNDER_2_HOURS),
        (120, Urgency.LATER),
        (60 * 24 * 3, Urgency.LATER),
    ],
)
def test_urgency_bands(minutes: int, expected: Urgency) -> None:
    assert urgency(NOW + timedelta(minutes=minutes), NOW) is expected


def test_priority_urgency_band_beats_kickoff_then_coverage_then_betpawa() -> None:
    targets = [
        target("later-3", 300, *ALL3),
        target("soon-1-sporty", 60, Platform.SPORTYBET),
        target("soon-1-pawa", 60, Platform.BETPAWA),
        target("soon-3", 60, *ALL3),
        target("soon-2", 60, Platform.SPORTYBET, Platform.BET9JA),
        target("urgent-1", 20, Platform.BET9JA),
        target("urgent-earlier", 10, Platform.BET9JA),
        target("soon-earlier", 31, Platform.BET9JA),
    ]
    order = [t.sportradar_id for t in prioritise(targets, NOW)]
    assert order == [
        "urgent-earlier",
        "urgent-1",
        "soon-earlier",
        "soon-3",
        "soon-2",
        "soon-1-pawa",
        "soon-1-sporty",
        "later-3",
    ]


@given(
    st.lists(
        st.tuples(st.integers(-60, 60 * 24 * 7), st.sets(st.sampled_from(ALL3), min_size=1)), max_size=60
    )
)
def test_priority_order_is_a_permutation_sorted_by_band_then_kickoff(
    items: list[tuple[int, set[Platform]]],
) -> None:
    targets = [target(str(i), m, *sorted(ps)) for i, (m, ps) in enumerate(items)]
    ordered = prioritise(targets, NOW)
    assert sorted(t.sportradar_id for t in ordered) == sorted(t.sportradar_id for t in targets)
    keys = [(urgency(t.kickoff, NOW).value, t.kickoff) for t in ordered]
    assert keys == sorted(keys)


def test_batches_cut_in_order_with_a_short_last_batch() -> None:
    queue = [target(str(i), 100 + i, Platform.BETPAWA) for i in range(7)]
    batches = list(cut_batches(queue, 3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [t for b in batches for t in b] == queue


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(cut_batches([], 0))


def test_counts_by_urgency_coverage_and_requests() -> None:
    targets = [
        target("a", 10, *ALL3),
        target("b", 60, Platform.BETPAWA),
        target("c", 600, Platform.BET9JA, Platform.BETPAWA),
    ]
    assert count_by_urgency(targets, NOW) == {"under_30m": 1, "under_2h": 1, "later": 1}
    assert count_by_coverage(targets) == {"3": 1, "2": 1, "1": 1}
    assert requests_by_platform(targets) == {"betpawa": 3, "sportybet": 1, "bet9ja": 2}
