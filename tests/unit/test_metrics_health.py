"""CycleMetrics fed with hand-made progress events, and the /healthz verdict at chosen moments (a fake
clock: no waiting, no timing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from oddsstore.cycle.metrics import CycleMetrics
from oddsstore.progress import BatchComplete, CycleComplete, CycleFailed, EventScraped
from oddsstore.service.health import health_report

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _scraped(run_id: int, batch: int, sr: str, ok: tuple[str, ...], failed: tuple[str, ...]) -> EventScraped:
    return EventScraped(
        run_id=run_id,
        batch_index=batch,
        sportradar_id=sr,
        status="completed" if ok else "failed",
        platforms_scraped=ok,
        platforms_failed=failed,
        timing_ms=100,
        site_timings_ms={s: 100 for s in ok + failed},
        markets_mapped=0,
        errors={s: "timeout: x" for s in failed},
    )


def _batch(run_id: int, batch: int, events: int) -> BatchComplete:
    return BatchComplete(
        run_id=run_id,
        batch_index=batch,
        events=events,
        events_stored=events,
        events_failed=0,
        snapshots_created=2 * events,
        markets_stored=10,
        errors=0,
        scrape_ms=10,
        store_ms=20,
        history_rows=7,
        current_rows=6,
    )


def _complete(run_id: int, status: str = "completed") -> CycleComplete:
    return CycleComplete(
        run_id=run_id,
        status=status,
        events_total=3,
        events_scraped=3,
        events_failed=0,
        snapshots_created=6,
        markets_stored=10,
        total_ms=4000,
        discovery_ms=100,
        success_rate=1.0,
    )


def test_sites_count_only_the_events_of_stored_batches() -> None:
    metrics = CycleMetrics()
    sample = metrics.registry.get_sample_value
    metrics.observe(_scraped(1, 0, "a", ("betpawa", "bet9ja"), ()))
    metrics.observe(_scraped(1, 0, "b", ("betpawa",), ("bet9ja",)))
    metrics.observe(_scraped(1, 1, "c", ("betpawa",), ("bet9ja",)))  # batch 1: never stored
    metrics.observe(_batch(1, 0, events=2))
    metrics.observe(
        CycleFailed(
            run_id=1,
            error="stopped",
            events_total=3,
            events_scraped=2,
            events_failed=0,
            snapshots_created=4,
            markets_stored=10,
            total_ms=1500,
        )
    )
    assert sample("oddsstore_events_scraped_total", {"site": "betpawa"}) == 2
    assert sample("oddsstore_events_scraped_total", {"site": "bet9ja"}) == 1
    assert sample("oddsstore_events_failed_total", {"site": "bet9ja"}) == 1
    assert sample("oddsstore_rows_written_total", {"table": "history"}) == 7
    assert sample("oddsstore_rows_written_total", {"table": "current"}) == 6
    assert sample("oddsstore_rows_written_total", {"table": "status"}) == 2
    assert sample("oddsstore_rows_written_total", {"table": "snapshots"}) == 4
    assert sample("oddsstore_cycles_total", {"status": "failed"}) == 1
    assert sample("oddsstore_cycle_duration_seconds_sum", {"status": "failed"}) == 1.5
    assert sample("oddsstore_last_success_timestamp_seconds") == 0  # a failed cycle is no success
    # the unstored batch is forgotten with its run: a later batch 1 of another run counts alone
    metrics.observe(_scraped(2, 1, "d", ("betpawa",), ()))
    metrics.observe(_batch(2, 1, events=1))
    assert sample("oddsstore_events_scraped_total", {"site": "betpawa"}) == 3


def test_a_registry_is_the_metrics_own_and_can_be_the_hosts() -> None:
    host = CollectorRegistry()
    CycleMetrics(host).observe(_complete(5))
    CycleMetrics()  # a second set in the same process: no "duplicated timeseries" error
    assert host.get_sample_value("oddsstore_cycles_total", {"status": "completed"}) == 1


def test_health_turns_unhealthy_past_two_intervals_and_when_the_database_does_not_answer() -> None:
    clock = Clock()
    metrics = CycleMetrics(clock=clock)
    every = 300.0
    # before any cycle: measured from the start
    ok, body = health_report(metrics, every, database_error=None, now=T0 + timedelta(seconds=599))
    assert ok and body["status"] == "ok" and body["last_cycle"] is None
    ok, body = health_report(metrics, every, database_error=None, now=T0 + timedelta(seconds=601))
    assert not ok and body["reasons"] == ["no cycle has ended (more than 2 intervals of 300 s)"]
    clock.now = T0 + timedelta(seconds=700)
    metrics.observe(_complete(9, "partial"))
    assert (
        metrics.registry.get_sample_value("oddsstore_last_success_timestamp_seconds") == clock.now.timestamp()
    )
    ok, body = health_report(metrics, every, database_error=None, now=clock.now + timedelta(seconds=600))
    assert ok and body["last_cycle"]["run_id"] == 9 and body["last_success_at"] == clock.now.isoformat()
    # a cycle that could not start is no cycle that ran: the age still counts from run 9
    clock.now += timedelta(seconds=300)
    metrics.cycle_error("ConnectionRefusedError: down")
    ok, body = health_report(metrics, every, database_error=None, now=clock.now + timedelta(seconds=301))
    assert not ok and body["reasons"] == ["the last cycle ended 601 s ago (more than 2 intervals of 300 s)"]
    assert body["last_attempt"]["status"] == "error" and body["last_cycle"]["run_id"] == 9
    ok, body = health_report(metrics, every, database_error="TimeoutError: x", now=clock.now)
    assert not ok and body["reasons"] == ["the database does not answer: TimeoutError: x"]
    assert body["database"] == "TimeoutError: x"
    ok, body = health_report(metrics, None, database_error=None, now=clock.now + timedelta(days=9))
    assert ok  # without an interval (serve) only the database counts


def test_a_cycle_whose_end_could_not_be_written_forgets_its_unstored_batches() -> None:
    metrics = CycleMetrics()
    sample = metrics.registry.get_sample_value
    metrics.observe(_scraped(4, 0, "a", ("betpawa",), ()))  # never stored: the database went away
    metrics.cycle_error("ConnectionRefusedError: down", run_id=4)
    assert sample("oddsstore_cycles_total", {"status": "error"}) == 1
    assert metrics.last is not None and metrics.last.run_id == 4 and metrics.last_ended is None
    metrics.observe(_batch(4, 0, events=1))  # a batch 0 reported later is not run 4's lost one
    assert sample("oddsstore_events_scraped_total", {"site": "betpawa"}) is None
