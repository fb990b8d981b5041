"""Spill files and the JSON form of batches: what is written comes back equal, damage is reported per line."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oddsstore.models import EventOdds, Market, Outcome, Platform, ScrapeBatch, ScrapedEvent, SiteResult
from oddsstore.storage.serialization import SerializationError, batch_from_dict, batch_to_dict, dumps, loads
from oddsstore.storage.spill import SpilledBatch, SpillLineError, append_batch, read_batches

KICKOFF = datetime(2026, 5, 6, 11, 0, tzinfo=UTC)


def make_batch(index: int, *, odds: float = 2.1) -> ScrapeBatch:
    market = Market(
        market_id="5000",
        market_name="Over/Under - FT",
        outcomes=(Outcome("Over", odds, True), Outcome("Under", 1.75, False)),
        line=2.5,
        groups=("popular", "goals"),
    )
    handicap = Market(
        market_id="3774",
        market_name="Asian Handicap - FT",
        outcomes=(Outcome("1", 1.9), Outcome("2", 1.9)),
        line=-0.5,
        handicap_type="asian",
        handicap_home=-0.5,
        handicap_away=0.5,
    )
    odds_obj = EventOdds(
        platform=Platform.SPORTYBET,
        sportradar_id=f"6899511{index}",
        platform_event_id=f"sr:match:6899511{index}",
        kickoff=KICKOFF,
        home_team="Wuhan Three Towns",
        away_team="Qingdao Hainiu",
        markets=(market, handicap),
        tournament="Super League",
        country="China",
        markets_seen=360,
        markets_mapped=2,
        skipped={"unmapped_market": 358},
    )
    event = ScrapedEvent(
        sportradar_id=f"6899511{index}",
        platforms_requested=(Platform.SPORTYBET, Platform.BET9JA),
        results=(
            SiteResult(Platform.SPORTYBET, odds=odds_obj, timing_ms=505),
            SiteResult(Platform.BET9JA, error="timeout: GET /GetEvent timed out", timing_ms=5000),
        ),
        timing_ms=5003,
        scraped_at=KICKOFF,
    )
    return ScrapeBatch(events=(event,), batch_index=index)


def test_batch_round_trips_through_json() -> None:
    batch = make_batch(3)
    again = batch_from_dict(loads(dumps(batch_to_dict(batch))))
    assert again == batch
    odds = again.events[0].results[0].odds
    assert odds is not None and odds.kickoff.tzinfo is not None
    assert again.events[0].results[0].platform is Platform.SPORTYBET


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_odds_survive_the_round_trip(bad: float) -> None:
    # Bad odds must reach storage unchanged so that storage refuses them with their reason.
    batch = make_batch(1, odds=bad)
    again = batch_from_dict(loads(dumps(batch_to_dict(batch))))
    odds = again.events[0].results[0].odds
    assert odds is not None
    value = odds.markets[0].outcomes[0].odds
    assert math.isnan(value) if math.isnan(bad) else value == bad


def test_naive_timestamp_is_refused() -> None:
    data = batch_to_dict(make_batch(1))
    data["events"][0]["scraped_at"] = "2026-05-06T11:00:00"
    with pytest.raises(SerializationError, match="time zone"):
        batch_from_dict(data)


def test_wrong_type_names_the_path() -> None:
    data = batch_to_dict(make_batch(1))
    data["events"][0]["results"][0]["odds"]["markets"][0]["outcomes"][0]["odds"] = [1]
    with pytest.raises(SerializationError, match=r"outcomes\[0\]\.odds"):
        batch_from_dict(data)


def test_spill_file_keeps_every_batch_and_reports_damaged_lines(tmp_path: Path) -> None:
    path = tmp_path / "spill" / "run.jsonl"
    append_batch(path, scrape_run_id=7, batch=make_batch(1), reason="connection refused")
    with path.open("ab") as handle:
        handle.write(b'{"scrape_run_id": 7, "batch": {"events": "nope"}}\n')
        handle.write(b"not json at all\n")
    append_batch(path, scrape_run_id=8, batch=make_batch(2), reason="timeout")

    items = list(read_batches(path))
    assert [type(item) for item in items] == [SpilledBatch, SpillLineError, SpillLineError, SpilledBatch]
    first, last = items[0], items[3]
    assert isinstance(first, SpilledBatch) and isinstance(last, SpilledBatch)
    assert (first.scrape_run_id, first.reason, first.batch) == (7, "connection refused", make_batch(1))
    assert (last.scrape_run_id, last.line_number, last.batch) == (8, 4, make_batch(2))
    errors = [item for item in items if isinstance(item, SpillLineError)]
    assert [e.line_number for e in errors] == [2, 3]
    assert "not valid JSON" in errors[1].message
    assert path.stat().st_mode & 0o077 == 0  # batches may hold data the host considers private
