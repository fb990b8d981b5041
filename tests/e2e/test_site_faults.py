"""Site faults through whole cycles: every simulator fault kind gives the right status rows, reasons and
counters, and the cycle completes; a site failing request after request is paused by its breaker."""

from __future__ import annotations

from typing import Any

import asyncpg
import attrs
import pytest
from cycle_checks import run_rows
from fault_kit import run_cycle, simulator

from oddsstore.devtools.simulator import FaultConfig, Simulator
from oddsstore.models import Platform, RunStatus
from oddsstore.progress import CycleComplete, DiscoveryComplete, ProgressEvent
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository

SPORTY = Platform.SPORTYBET


@attrs.frozen
class Case:
    site: Platform
    faults: FaultConfig
    reasons: frozenset[str]  # the reason slugs the site's failures may carry
    discovery_fails: bool = False
    sim: dict[str, Any] = attrs.field(factory=dict)  # extra SimulatorConfig
    client: dict[str, Any] = attrs.field(factory=dict)  # extra ClientSettings


def _on_events(kind: str, reason: str, **faults: Any) -> Case:
    config = FaultConfig(rate=1.0, kinds=(kind,), endpoints=("event",), **faults)
    return Case(SPORTY, config, frozenset({reason}))


CASES = {
    "timeout": attrs.evolve(
        _on_events("timeout", "timeout", hang_s=5.0), client={"total_timeout_s": 1.5, "max_attempts": 1}
    ),
    "http_500": _on_events("http_500", "http_500"),
    "http_503": _on_events("http_503", "http_503"),
    "http_429": _on_events("http_429", "throttled"),
    "malformed_json": _on_events("malformed_json", "malformed_json"),
    "missing_keys": _on_events("missing_keys", "parse_error"),
    "bad_envelope": _on_events("bad_envelope", "bad_envelope"),
    "oversize": _on_events("oversize", "too_large"),  # 32 MB: past every cap
    "reset": _on_events("reset", "connection"),
    # Bet9ja answers 403 when more than bet9ja_max_in_flight requests are in flight
    "http_403_throttling": Case(
        Platform.BET9JA,
        FaultConfig(),
        frozenset({"throttled"}),
        sim={"bet9ja_max_in_flight": 1},
        client={"max_attempts": 1},
    ),
    "site_down": Case(SPORTY, FaultConfig(down=True), frozenset({"connection", "circuit_open"}), True),
    "zero_events": Case(SPORTY, FaultConfig(empty=True), frozenset({"no_events"}), True),
}


async def _fault_cycle(case: Case, pool: asyncpg.Pool[Any]) -> tuple[Simulator, list[ProgressEvent]]:
    options = {"max_attempts": 2, "breaker_threshold": 1000, **case.client}
    async with simulator(30, faults={case.site: case.faults}, **case.sim) as sim:
        _, events = await run_cycle(sim, pool, **options)
        return sim, events


def _reason(text: str) -> str:
    return text.split(":", 1)[0]


@pytest.mark.parametrize("name", list(CASES))
async def test_each_fault_kind_gives_status_rows_reasons_and_counters(
    name: str, pool: asyncpg.Pool[Any]
) -> None:
    case = CASES[name]
    sim, events = await _fault_cycle(case, pool)
    done = events[-1]
    assert isinstance(done, CycleComplete), done
    site = case.site.value
    async with pool.acquire() as conn:
        rows = await run_rows(conn, done.run_id)
        statuses = await ScrapeStatusRepository(conn).list_for_run(run_id=done.run_id)
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    # the cycle completed and its counters are its rows
    assert rows.status_rows == rows.distinct_events == done.events_total > 0
    assert (done.events_scraped, done.events_failed) == (rows.completed, rows.failed)
    assert (done.snapshots_created, done.markets_stored) == (rows.snapshots, rows.markets)
    assert run is not None and run.status.value == done.status
    assert (run.events_scraped, run.events_failed, run.snapshots_created, run.markets_stored) == (
        rows.completed,
        rows.failed,
        rows.snapshots,
        rows.markets,
    )
    stats = sim.stats[case.site]
    assert sum(stats.faults.values()) + stats.throttled > 0 or case.faults.empty  # the simulator did it
    discovery = next(e for e in events if isinstance(e, DiscoveryComplete))
    site_error = discovery.sites[site]["error"]
    failures = [s for s in statuses if site in s.platforms_failed]
    reasons = {_reason(s.error_details[site]) for s in failures if s.error_details is not None}
    if case.discovery_fails:
        assert site_error is not None and _reason(site_error) in case.reasons
        assert not any(site in s.platforms_requested for s in statuses)  # nothing to ask it for
        assert run.status is RunStatus.PARTIAL
        return
    if site_error is not None:  # Bet9ja may throttle discovery too
        assert _reason(site_error) in case.reasons
    assert reasons <= case.reasons
    if name != "http_403_throttling":  # every event request faulted: every event failed on the site
        asked = [s for s in statuses if site in s.platforms_requested]
        assert asked and failures == asked and reasons == case.reasons
        assert all(s.status == "failed" for s in asked if s.platforms_requested == (site,))
        assert all(s.status == "completed" for s in asked if len(s.platforms_requested) > 1)
        assert run.status is RunStatus.PARTIAL or not any(s.platforms_requested == (site,) for s in asked)
    else:
        assert failures or site_error is not None


async def test_a_failing_site_is_paused_for_the_rest_of_the_cycle_without_a_request_per_event(
    pool: asyncpg.Pool[Any],
) -> None:
    threshold = 5
    broken = FaultConfig(rate=1.0, kinds=("http_500",), endpoints=("event",))
    async with simulator(40, faults={Platform.BET9JA: broken}) as sim:
        _, events = await run_cycle(sim, pool, breaker_threshold=threshold, max_attempts=1)
        requested = sim.stats[Platform.BET9JA].requests["event"]
    done = events[-1]
    assert isinstance(done, CycleComplete)
    async with pool.acquire() as conn:
        statuses = await ScrapeStatusRepository(conn).list_for_run(run_id=done.run_id)
        rows = await run_rows(conn, done.run_id)
    asked = [s for s in statuses if "bet9ja" in s.platforms_requested]
    reasons = [_reason(s.error_details["bet9ja"]) for s in asked if s.error_details]
    assert len(reasons) == len(asked) > 2 * threshold  # every Bet9ja event failed for Bet9ja, with a reason
    paused = reasons.count("circuit_open")
    assert reasons.count("http_500") == requested  # one request per event until the breaker opened ...
    assert threshold <= requested < threshold + 16  # ... (those already in flight finish) ...
    assert paused == len(asked) - requested > 0  # ... then none: recorded as paused
    assert (done.events_scraped, done.events_failed) == (rows.completed, rows.failed)
