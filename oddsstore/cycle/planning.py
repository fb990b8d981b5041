"""Pure pieces of the cycle: merge discoveries by SportRadar id, order them by priority, cut batches.

No I/O here: these functions take discovered events and a clock reading and return plain values, so
the coordinator's policy can be tested without a site or a database.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from oddsstore.models import ALL_PLATFORMS, DiscoveredEvent, EventTarget, Platform


class Urgency(enum.IntEnum):
    """Kickoff urgency, most urgent first (the int value is the sort rank)."""

    UNDER_30_MIN = 0
    UNDER_2_HOURS = 1
    LATER = 2

    @property
    def label(self) -> str:
        return {0: "under_30m", 1: "under_2h", 2: "later"}[self.value]


URGENT_WITHIN = timedelta(minutes=30)
SOON_WITHIN = timedelta(hours=2)


def urgency(kickoff: datetime, now: datetime) -> Urgency:
    until = kickoff - now
    if until < URGENT_WITHIN:
        return Urgency.UNDER_30_MIN
    if until < SOON_WITHIN:
        return Urgency.UNDER_2_HOURS
    return Urgency.LATER


@attrs.frozen(slots=True)
class MergeResult:
    """Targets merged across sites, plus what the merge noticed."""

    targets: tuple[EventTarget, ...]
    kickoff_disagreements: int  # merged events whose sites gave different kickoffs (earliest kept)
    duplicates_dropped: int  # the same SR id listed twice by one site: one listing kept (see below)


def merge_discoveries(discovered: Mapping[Platform, Iterable[DiscoveredEvent]]) -> MergeResult:
    """Merge each site's discovered events by SportRadar id.

    Teams come from the first site in platform order that lists the event (BetPawa's names win).
    When sites disagree on the kickoff the earliest is kept and the event is counted once. When one
    site lists the same SR id under two of its events, the listing with the earliest (kickoff, platform
    event id) is kept whatever the listing order, and the other is counted in ``duplicates_dropped``.
    """
    by_sr: dict[str, dict[Platform, DiscoveredEvent]] = {}
    duplicates = 0
    for platform in ALL_PLATFORMS:
        for event in discovered.get(platform, ()):
            sites = by_sr.setdefault(event.sportradar_id, {})
            kept = sites.get(platform)
            if kept is not None:
                duplicates += 1
                if (event.kickoff, event.platform_event_id) >= (kept.kickoff, kept.platform_event_id):
                    continue
            sites[platform] = event
    targets: list[EventTarget] = []
    disagreements = 0
    for sr_id, sites in by_sr.items():
        listed = [sites[p] for p in ALL_PLATFORMS if p in sites]
        kickoffs = {e.kickoff for e in listed}
        if len(kickoffs) > 1:
            disagreements += 1
        first = listed[0]
        targets.append(
            EventTarget(
                sportradar_id=sr_id,
                kickoff=min(kickoffs),
                platform_ids={e.platform: e.platform_event_id for e in listed},
                home_team=first.home_team,
                away_team=first.away_team,
            )
        )
    return MergeResult(tuple(targets), disagreements, duplicates)


def priority_key(target: EventTarget, now: datetime) -> tuple[int, datetime, int, int, str]:
    """Urgency band, then kickoff, then more sites first, then BetPawa present first (SR id breaks ties)."""
    return (
        urgency(target.kickoff, now).value,
        target.kickoff,
        -len(target.platform_ids),
        0 if Platform.BETPAWA in target.platform_ids else 1,
        target.sportradar_id,
    )


def prioritise(targets: Iterable[EventTarget], now: datetime) -> list[EventTarget]:
    return sorted(targets, key=lambda t: priority_key(t, now))


def cut_batches(queue: Sequence[EventTarget], size: int) -> Iterator[tuple[EventTarget, ...]]:
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    for start in range(0, len(queue), size):
        yield tuple(queue[start : start + size])


def count_by_urgency(targets: Iterable[EventTarget], now: datetime) -> dict[str, int]:
    counts = Counter(urgency(t.kickoff, now).label for t in targets)
    return {u.label: counts.get(u.label, 0) for u in Urgency}


def count_by_coverage(targets: Iterable[EventTarget]) -> dict[str, int]:
    counts = Counter(len(t.platform_ids) for t in targets)
    return {str(n): counts.get(n, 0) for n in range(len(ALL_PLATFORMS), 0, -1)}


def requests_by_platform(targets: Iterable[EventTarget]) -> dict[str, int]:
    counts = Counter(p.value for t in targets for p in t.platform_ids)
    return {p.value: counts.get(p.value, 0) for p in ALL_PLATFORMS}
