"""Whole cycles over small in-test fake *site clients* and a real PostgreSQL (the database is never faked).

The fakes stand in for the HTTP clients only, so these tests pin the coordinator's own logic: merge,
per-event status, counters against the rows, progress order, cancellation, the cycle lock, and the
scrape window across batch edges. Cycles against the real simulator are in test_cycle_simulator.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import attrs
import pytest
from cycle_checks import check_order

from oddsstore.clients import Discovery, SiteClient, SiteError
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.models import DiscoveredEvent, EventOdds, Market, Outcome, Platform, RunStatus
from oddsstore.parsing import ParseError
from oddsstore.progress import (
    BatchComplete,
    BatchStart,
    CycleComplete,
    CycleSkipped,
    EventScraped,
    ProgressEvent,
)
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository
from oddsstore.storage.storer import NullStorer

BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
KICKOFF = datetime.now(UTC) + timedelta(days=1)


class FakeSite:
    """A site client: a fixed board, per-event delays and failures, and a record of requests."""

    def __init__(
        self,
        platform: Platform,
        sr_ids: Iterable[str],
        *,
        fail: Mapping[str, str] | None = None,
        broken: Iterable[str] = (),
        delay_s: float = 0.0,
        slow: Mapping[str, float] | None = None,
        discover_error: str | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> None:
        self._platform = platform
        self.sr_ids = list(sr_ids)
        self.fail = dict(fail or {})
        self.broken = set(broken)
        self.delay_s = delay_s
        self.slow = dict(slow or {})
        self.discover_error = discover_error
        self.counts = dict(counts or {})
        self.started: list[tuple[float, str]] = []

    @property
    def platform(self) -> Platform:
        return self._platform

    def pid(self, sr: str) -> str:
        return f"{self._platform.value}-{sr}"

    async def discover(self) -> Discovery:
        if self.discover_error:
            raise SiteError(self._platform, "GET /tree", self.discover_error, "discovery down")
        events = tuple(
            DiscoveredEvent(
                platform=self._platform,
                sportradar_id=sr,
                platform_event_id=self.pid(sr),
                kickoff=KICKOFF + timedelta(minutes=i),
                home_team=f"Home {sr}",
                away_team=f"Away {sr}",
            )
            for i, sr in enumerate(self.sr_ids)
        )
        counts = {"listed": len(events), **self.counts}
        return Discovery(platform=self._platform, events=events, counts=counts, elapsed_ms=1)

    async def fetch_event(self, platform_event_id: str) -> dict[str, Any]:
        sr = platform_event_id.split("-", 1)[1]
        self.started.append((asyncio.get_running_loop().time(), sr))
        await asyncio.sleep(self.slow.get(sr, self.delay_s))
        if sr in self.fail:
            raise SiteError(self._platform, f"GET /event/{platform_event_id}", self.fail[sr], "injected")
        return {"sr": sr, "pid": platform_event_id, "broken": sr in self.broken}


def fake_parse(platform: Platform, payload: dict[str, Any]) -> EventOdds:
    if payload["broken"]:
        raise ParseError("markets", "not a list")
    odds = {BP: 2.0, SB: 2.05, B9: 1.95}[platform]
    market = Market(
        market_id="3743",
        market_name="1X2 - FT",
        outcomes=(Outcome("1", odds), Outcome("X", 3.3), Outcome("2", 3.9)),
    )
    return EventOdds(
        platform=platform,
        sportradar_id=payload["sr"],
        platform_event_id=payload["pid"],
        kickoff=KICKOFF,
        home_team=f"Home {payload['sr']}",
        away_team=f"Away {payload['sr']}",
        markets=(market,),
        markets_seen=1,
        markets_mapped=1,
    )


def coordinator(sites: list[FakeSite], **settings: Any) -> EventCoordinator:
    clients: dict[Platform, SiteClient] = {s.platform: s for s in sites}
    options = CoordinatorSettings(**{"batch_size": 10, "heartbeat_interval_s": 0.05, **settings})
    return EventCoordinator(clients, options, parser=fake_parse)


async def run(coord: EventCoordinator, pool: asyncpg.Pool[Any]) -> list[ProgressEvent]:
    async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
        return [event async for event in progress]


async def test_every_event_gets_one_status_row_and_counters_match_the_rows(pool: asyncpg.Pool[Any]) -> None:
    everywhere = [str(1000 + i) for i in range(30)]
    only_sporty = ["2001", "2002"]
    sites = [
        FakeSite(BP, everywhere, fail={"1003": "timeout"}),
        FakeSite(
            SB, everywhere + only_sporty, fail={"1003": "http_503", "2002": "not_found"}, broken={"1004"}
        ),
        FakeSite(B9, everywhere, fail={"1003": "throttled", "1005": "malformed_json"}),
    ]
    events = await run(coordinator(sites), pool)
    check_order(events)
    done = events[-1]
    assert isinstance(done, CycleComplete)

    async with pool.acquire() as conn:
        rows = {
            r.sportradar_id: r for r in await ScrapeStatusRepository(conn).list_for_run(run_id=done.run_id)
        }
        run_row = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
        snapshots = await conn.fetchval(
            "SELECT (SELECT count(*) FROM odds_snapshots WHERE scrape_run_id = $1)"
            " + (SELECT count(*) FROM competitor_odds_snapshots WHERE scrape_run_id = $1)",
            done.run_id,
        )
    assert set(rows) == set(everywhere + only_sporty)
    assert done.events_total == len(rows) == 32
    assert done.events_failed == sum(1 for r in rows.values() if r.status == "failed") == 2
    assert done.events_scraped == sum(1 for r in rows.values() if r.status == "completed") == 30
    # The cycle recounts its counters from the rows, so compare both with what the fake sites served:
    # one snapshot (of one market) per site and event that neither failed nor broke the parser.
    served = sum(1 for s in sites for sr in s.sr_ids if sr not in s.fail and sr not in s.broken)
    assert served == 29 + 29 + 28
    assert done.snapshots_created == snapshots == served
    assert done.markets_stored == served
    assert done.status == "partial"
    # one-site event, partial events and wholly failed events
    assert rows["2001"].platforms_requested == ("sportybet",) and rows["2001"].status == "completed"
    assert rows["2002"].status == "failed" and rows["2002"].error_details is not None
    assert rows["2002"].error_details["sportybet"].startswith("not_found: ")
    assert rows["1003"].status == "failed"
    assert set(rows["1003"].platforms_failed) == {"betpawa", "sportybet", "bet9ja"}
    assert rows["1004"].status == "completed"
    assert rows["1004"].platforms_failed == ("sportybet",)
    assert rows["1004"].error_details is not None
    assert rows["1004"].error_details["sportybet"].startswith("parse_error: ")
    assert rows["1005"].platforms_scraped == ("betpawa", "sportybet")
    assert run_row is not None and run_row.status is RunStatus.PARTIAL
    assert (run_row.events_total, run_row.events_scraped, run_row.events_failed) == (32, 30, 2)
    assert (run_row.snapshots_created, run_row.markets_stored) == (served, served)
    assert run_row.finished_at is not None and run_row.heartbeat_at is not None


async def test_a_site_failing_discovery_does_not_stop_the_others(pool: asyncpg.Pool[Any]) -> None:
    ids = [str(i) for i in range(12)]
    sites = [FakeSite(BP, ids), FakeSite(SB, ids, discover_error="http_503"), FakeSite(B9, ids[:5])]
    events = await run(coordinator(sites), pool)
    discovery = events[1].to_dict()
    assert discovery["sites"]["sportybet"]["error"].startswith("http_503")
    assert discovery["sites"]["betpawa"]["events"] == 12
    done = events[-1]
    assert isinstance(done, CycleComplete)
    assert done.events_scraped == 12
    assert done.status == "partial"  # a site's board is missing from this run


async def test_nothing_discovered_ends_failed(pool: asyncpg.Pool[Any]) -> None:
    sites = [FakeSite(BP, [], discover_error="no_events"), FakeSite(B9, [], discover_error="connection")]
    events = await run(coordinator(sites), pool)
    done = events[-1]
    assert isinstance(done, CycleComplete) and done.status == "failed"
    async with pool.acquire() as conn:
        row = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert row is not None and row.status is RunStatus.FAILED and row.error == "no events discovered"


async def test_a_cancelled_cycle_leaves_its_run_failed_with_a_reason_and_frees_the_lock(
    pool: asyncpg.Pool[Any],
) -> None:
    ids = [str(i) for i in range(40)]
    coord = coordinator([FakeSite(BP, ids, delay_s=0.05), FakeSite(B9, ids, delay_s=0.05)], batch_size=5)
    seen: list[ProgressEvent] = []
    one_batch_stored = asyncio.Event()

    async def consume() -> None:
        async for event in coord.run_full_cycle(pool):
            seen.append(event)
            if isinstance(event, BatchComplete):
                one_batch_stored.set()

    task = asyncio.create_task(consume())
    await one_batch_stored.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    run_id = seen[0].to_dict()["run_id"]
    async with pool.acquire() as conn:
        row = await ScrapeRunsRepository(conn).get(run_id=run_id)
        stored = await conn.fetchval(
            "SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1", run_id
        )
    assert row is not None and row.status is RunStatus.FAILED
    assert row.error is not None and "cancelled" in row.error
    assert row.finished_at is not None
    assert 0 < stored < 40
    again = await run(coordinator([FakeSite(BP, ids[:3])]), pool)
    assert isinstance(again[-1], CycleComplete)


async def test_closing_the_generator_early_fails_the_run(pool: asyncpg.Pool[Any]) -> None:
    ids = [str(i) for i in range(30)]
    coord = coordinator([FakeSite(SB, ids, delay_s=0.02)], batch_size=5)
    progress = coord.run_full_cycle(pool)
    first = await anext(progress)
    await progress.aclose()
    async with pool.acquire() as conn:
        row = await ScrapeRunsRepository(conn).get(run_id=first.to_dict()["run_id"])
    assert row is not None and row.status is RunStatus.FAILED
    assert row.error is not None and "consumer stopped" in row.error


async def test_a_second_cycle_on_the_same_database_says_so_and_stops(pool: asyncpg.Pool[Any]) -> None:
    ids = [str(i) for i in range(20)]
    slow = coordinator([FakeSite(BP, ids, delay_s=0.1)], batch_size=5)
    async with contextlib.aclosing(slow.run_full_cycle(pool)) as first:
        started = await anext(first)
        assert started.type == "CYCLE_START"
        second = await run(coordinator([FakeSite(BP, ids)]), pool)
        first_events = [e async for e in first]
    assert [type(e) for e in second] == [CycleSkipped]
    assert isinstance(first_events[-1], CycleComplete) and first_events[-1].status == "completed"


async def test_storage_failure_ends_the_run_failed_with_the_error(pool: asyncpg.Pool[Any]) -> None:
    class Broken(NullStorer):
        async def store(self, batch: Any, scrape_run_id: int) -> Any:
            raise RuntimeError("disk on fire")

    coord = coordinator([FakeSite(BP, [str(i) for i in range(15)])])
    coord.storer = Broken()
    events = await run(coord, pool)
    last = events[-1].to_dict()
    assert last["type"] == "CYCLE_FAILED" and "disk on fire" in last["error"]
    async with pool.acquire() as conn:
        row = await ScrapeRunsRepository(conn).get(run_id=last["run_id"])
    assert row is not None and row.status is RunStatus.FAILED and "disk on fire" in (row.error or "")


async def test_the_next_batch_starts_while_a_straggler_holds_the_previous_one(
    pool: asyncpg.Pool[Any],
) -> None:
    ids = [f"{i:03d}" for i in range(30)]
    site = FakeSite(BP, ids, delay_s=0.01, slow={"000": 0.5})
    events = await run(coordinator([site], batch_size=10, scrape_window=2), pool)
    first_done = next(e.at for e in events if isinstance(e, EventScraped) and e.sportradar_id == "000")
    second_batch = [e.at for e in events if isinstance(e, EventScraped) and e.batch_index == 1]
    assert len(second_batch) == 10
    assert max(second_batch) < first_done  # batch 1 finished entirely while batch 0 waited for "000"
    check_order(events)
    by_batch = [e for e in events if isinstance(e, BatchComplete)]
    assert [b.batch_index for b in by_batch] == [0, 1, 2]


async def test_events_are_reported_as_they_finish_and_stored_in_priority_order(
    pool: asyncpg.Pool[Any],
) -> None:
    ids = ["a1", "a2", "a3"]
    site = FakeSite(BP, ids, slow={"a1": 0.2, "a2": 0.0, "a3": 0.05})
    events = await run(coordinator([site]), pool)
    check_order(events)
    per_event = [(e.type, e.to_dict()["sportradar_id"]) for e in events if e.type.startswith("EVENT_")]
    assert [t for t, _ in per_event[:3]] == ["EVENT_SCRAPING"] * 3
    assert [sr for t, sr in per_event if t == "EVENT_SCRAPED"] == ["a2", "a3", "a1"]
    done = events[-1]
    assert isinstance(done, CycleComplete)
    async with pool.acquire() as conn:
        rows = await ScrapeStatusRepository(conn).list_for_run(run_id=done.run_id)
    assert [r.sportradar_id for r in rows] == ids  # the batch keeps priority (kickoff) order


async def test_a_slow_store_holds_scraping_back_so_at_most_one_batch_waits(pool: asyncpg.Pool[Any]) -> None:
    class SlowStore(NullStorer):
        async def store(self, batch: Any, scrape_run_id: int) -> Any:
            await asyncio.sleep(0.1)
            return await super().store(batch, scrape_run_id)

    coord = coordinator([FakeSite(BP, [f"{i:03d}" for i in range(60)])], batch_size=5, scrape_window=2)
    coord.storer = SlowStore()
    events = await run(coord, pool)
    check_order(events)
    stored = 0
    tightest = None
    for event in events:
        if isinstance(event, BatchComplete):
            stored += 1
        elif isinstance(event, BatchStart):
            # batch j starts only once j-4 is stored: j-3 storing, j-2 queued, j-1 and j in the window
            assert stored >= event.batch_index - 3
            tightest = (
                event.batch_index - stored if tightest is None else max(tightest, event.batch_index - stored)
            )
    assert tightest == 3  # the bound is reached (storage is the bottleneck here) and never exceeded
    assert isinstance(events[-1], CycleComplete) and events[-1].events_scraped == 60


class Erratic(FakeSite):
    """Raises whatever the test asks for, per event: a bug in a client must not sink the cycle."""

    def __init__(self, platform: Platform, raises: Mapping[str, BaseException]) -> None:
        super().__init__(platform, list(raises))
        self.raises = dict(raises)

    async def fetch_event(self, platform_event_id: str) -> dict[str, Any]:
        sr = platform_event_id.split("-", 1)[1]
        if sr in self.raises:
            raise self.raises[sr]
        return await super().fetch_event(platform_event_id)


async def test_site_errors_become_reason_prefixed_messages_and_never_raise() -> None:
    site = Erratic(
        SB,
        {
            "t": SiteError(SB, "GET /event", "timeout", "no answer in 30 s", attempts=4),
            "k": KeyError("boom"),
        },
    )
    coord = coordinator([site])
    targets = {t.sportradar_id: t for t in (await coord.discover_events()).targets}
    timeout = await coord.scrape_site(targets["t"], SB)
    crash = await coord.scrape_site(targets["k"], SB)
    assert timeout.odds is None and timeout.error is not None
    assert timeout.error.startswith("timeout: sportybet GET /event failed after 4 attempts")
    assert crash.error is not None and crash.error.startswith("unexpected: KeyError")


async def test_a_payload_for_another_event_is_refused() -> None:
    site = FakeSite(BP, ["42"])
    coord = coordinator([site])
    (target,) = (await coord.discover_events()).targets
    other = attrs.evolve(target, sportradar_id="43", platform_ids={BP: site.pid("42")})
    result = await coord.scrape_site(other, BP)
    assert result.error is not None and result.error.startswith("sportradar_mismatch: ")


async def test_the_run_row_beats_while_one_slow_event_is_scraped(pool: asyncpg.Pool[Any]) -> None:
    # Between EVENT_SCRAPING and EVENT_SCRAPED of a lone slow event no other run-row write happens
    # (discovery and batch counters are written before and after), so only the heartbeat moves it.
    coord = coordinator([FakeSite(BP, ["1"], delay_s=0.8)], batch_size=1)
    beats: list[datetime] = []

    async def sample(run_id: int) -> None:
        while True:
            async with pool.acquire() as conn:
                row = await ScrapeRunsRepository(conn).get(run_id=run_id)
            assert row is not None and row.status is RunStatus.RUNNING and row.heartbeat_at is not None
            beats.append(row.heartbeat_at)
            await asyncio.sleep(0.1)

    sampler: asyncio.Task[None] | None = None
    async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
        async for event in progress:
            if event.type == "EVENT_SCRAPING":
                sampler = asyncio.create_task(sample(event.to_dict()["run_id"]))
            elif event.type == "EVENT_SCRAPED" and sampler is not None:
                sampler.cancel()
                await asyncio.gather(sampler, return_exceptions=True)
    assert sampler is not None and sampler.cancelled()
    assert len(set(beats)) >= 3  # the heartbeat moved on while the event was being scraped
    assert beats == sorted(beats)
