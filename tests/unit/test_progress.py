"""Progress events: stable JSON-ready dicts and SSE text."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from oddsstore.progress import (
    EVENT_TYPES,
    TERMINAL_TYPES,
    BatchComplete,
    CycleComplete,
    CycleStart,
    EventScraped,
    ProgressEvent,
)

AT = datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC)


def test_to_dict_has_type_and_timestamp_first_and_every_field() -> None:
    event = CycleStart(run_id=7, trigger="manual", platforms=("betpawa", "bet9ja"), at=AT)
    data = event.to_dict()
    assert list(data)[:2] == ["type", "at"]
    assert data == {
        "type": "CYCLE_START",
        "at": "2026-11-30T12:00:05+00:00",
        "run_id": 7,
        "trigger": "manual",
        "platforms": ["betpawa", "bet9ja"],
    }


def test_nested_mappings_become_plain_json() -> None:
    event = EventScraped(
        run_id=1,
        batch_index=2,
        sportradar_id="123",
        status="completed",
        platforms_scraped=("betpawa",),
        platforms_failed=("bet9ja",),
        timing_ms=40,
        site_timings_ms={"betpawa": 30, "bet9ja": 40},
        markets_mapped=170,
        errors={"bet9ja": "timeout: bet9ja GET /x timed out"},
    )
    decoded = orjson.loads(event.to_json())
    assert decoded["errors"] == {"bet9ja": "timeout: bet9ja GET /x timed out"}
    assert decoded["site_timings_ms"] == {"betpawa": 30, "bet9ja": 40}
    assert decoded["platforms_failed"] == ["bet9ja"]


def test_sse_text_names_the_event_and_carries_the_json() -> None:
    event = BatchComplete(
        run_id=3,
        batch_index=0,
        events=50,
        events_stored=50,
        events_failed=1,
        snapshots_created=140,
        markets_stored=23000,
        errors=2,
        scrape_ms=900,
        store_ms=120,
        at=AT,
    )
    text = event.to_sse()
    assert text.startswith("event: BATCH_COMPLETE\ndata: ")
    assert text.endswith("\n\n")
    assert text.count("\n") == 3
    payload = text.split("data: ", 1)[1].strip()
    assert orjson.loads(payload) == event.to_dict()


def test_timestamps_are_aware_utc_by_default() -> None:
    event = CycleComplete(
        run_id=1,
        status="completed",
        events_total=1,
        events_scraped=1,
        events_failed=0,
        snapshots_created=3,
        markets_stored=500,
        total_ms=10,
        discovery_ms=2,
        success_rate=1.0,
    )
    offset = event.at.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 0


@pytest.mark.parametrize("cls", EVENT_TYPES)
def test_every_event_type_has_a_distinct_upper_case_name(cls: type[ProgressEvent]) -> None:
    assert cls.type.isupper()
    assert [c.type for c in EVENT_TYPES].count(cls.type) == 1


def test_terminal_types() -> None:
    assert {"CYCLE_COMPLETE", "CYCLE_FAILED", "CYCLE_SKIPPED"} == set(TERMINAL_TYPES)


def test_events_are_frozen() -> None:
    event = CycleStart(run_id=1, trigger="t", platforms=())
    with pytest.raises(AttributeError):
        event.run_id = 2  # type: ignore[misc]
