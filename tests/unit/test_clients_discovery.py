"""Discovery walks and per-site limits against the simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from oddsstore.clients import ClientSettings, PermanentSiteError, SiteError, TransientSiteError, open_clients
from oddsstore.devtools.simulator import BoardConfig, FaultConfig, Simulator, SimulatorConfig, run_simulator
from oddsstore.models import ALL_PLATFORMS, Platform

BOARD = BoardConfig(
    events=160,
    competitions=8,
    seed=5,
    started_share=0.05,
    betpawa_missing_widget_share=0.1,
    bet9ja_missing_extid_share=0.05,
)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator(SimulatorConfig(board=BOARD, time_scale=0.002)) as simulator:
        yield simulator


def settings_for(sim: Simulator, **overrides: Any) -> ClientSettings:
    options: dict[str, Any] = {"backoff_base_s": 0.001, "backoff_max_s": 0.005, "total_timeout_s": 2.0}
    options.update(overrides)
    return ClientSettings.for_base_urls(sim.base_urls, **options)


async def test_discovery_finds_the_board_on_every_site(sim: Simulator) -> None:
    found: dict[Platform, dict[str, str]] = {}
    async with open_clients(
        settings_for(sim, betpawa_page_size=10, sportybet_tournaments_per_request=3)
    ) as clients:
        for platform, client in clients.items():
            discovery = await client.discover()
            assert discovery.platform is platform
            found[platform] = {e.sportradar_id: e.platform_event_id for e in discovery.events}
            expected = sim.board.expected_discovery(platform, datetime.now(UTC))
            assert found[platform] == expected
            assert discovery.counts["events"] == len(expected)
            assert discovery.counts["started_dropped"] > 0
            assert all(e.kickoff > datetime.now(UTC) for e in discovery.events)
            kickoffs = [e.kickoff for e in discovery.events]
            assert kickoffs == sorted(kickoffs)  # a stable order, whatever order the pages came back in
            assert discovery.counts["tree_entries"] == len(sim.board.competitions)
            assert discovery.elapsed_ms >= 0
            if platform is Platform.BETPAWA:
                # lists without the SR widget were resolved from the event detail
                assert discovery.counts["detail_lookups"] == discovery.counts["detail_lookups_ok"] > 0
                # the biggest competition has more than one page of 10
                assert discovery.counts["pages"] > discovery.counts["tree_entries"]
            if platform is Platform.SPORTYBET:
                assert discovery.counts["pages"] == 3  # 8 tournaments, 3 per POST
            if platform is Platform.BET9JA:
                assert discovery.counts["no_sportradar_id"] > 0
    # the same SR id names the same match on every site that lists it
    for event in sim.board.events:
        for platform in event.platforms:
            if event.sportradar_id in found[platform]:
                assert found[platform][event.sportradar_id] == event.platform_id(platform)
    on_all = set(found[Platform.BETPAWA]) & set(found[Platform.SPORTYBET]) & set(found[Platform.BET9JA])
    assert len(on_all) > 0.5 * len(found[Platform.BETPAWA])


async def test_discovered_facts_agree_across_sites(sim: Simulator) -> None:
    async with open_clients(settings_for(sim)) as clients:
        results = [await clients[p].discover() for p in ALL_PLATFORMS]
    by_site = [{e.sportradar_id: e for e in d.events} for d in results]
    common = set(by_site[0]) & set(by_site[1]) & set(by_site[2])
    assert common
    for sr_id in common:
        facts = {(s[sr_id].kickoff, s[sr_id].home_team, s[sr_id].away_team) for s in by_site}
        assert len(facts) == 1, sr_id


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
async def test_zero_events_is_an_error(sim: Simulator, platform: Platform) -> None:
    sim.set_faults(platform, FaultConfig(empty=True))
    async with open_clients(settings_for(sim)) as clients:
        with pytest.raises(PermanentSiteError) as caught:
            await clients[platform].discover()
    assert caught.value.reason == "no_events"
    assert platform.value in str(caught.value)


async def test_a_site_that_is_down_fails_discovery_with_a_transient_error(sim: Simulator) -> None:
    sim.set_faults(Platform.SPORTYBET, FaultConfig(down=True))
    async with open_clients(settings_for(sim, max_attempts=2)) as clients:
        with pytest.raises(TransientSiteError) as caught:
            await clients[Platform.SPORTYBET].discover()
        assert caught.value.reason == "connection"
        assert (await clients[Platform.BET9JA].discover()).events  # the others still work


async def test_a_failing_competition_page_is_counted_not_fatal(sim: Simulator) -> None:
    sim.set_faults(
        Platform.BET9JA, FaultConfig(rate=1.0, kinds=("malformed_json",), endpoints=("list",), limit=2)
    )
    async with open_clients(settings_for(sim)) as clients:
        discovery = await clients[Platform.BET9JA].discover()
    assert discovery.counts["groups_failed"] == 2
    assert discovery.counts["errors"] == 2
    assert discovery.counts["groups_ok"] == len(sim.board.competitions) - 2
    expected = sim.board.expected_discovery(Platform.BET9JA, datetime.now(UTC))
    assert 0 < len(discovery.events) < len(expected)


async def test_all_pages_failing_fails_discovery_with_their_reason(sim: Simulator) -> None:
    sim.set_faults(Platform.BETPAWA, FaultConfig(rate=1.0, kinds=("missing_keys",), endpoints=("list",)))
    async with open_clients(settings_for(sim)) as clients:
        with pytest.raises(PermanentSiteError) as caught:
            await clients[Platform.BETPAWA].discover()
    assert caught.value.reason == "bad_payload"
    assert "all 8 competitions failed" in str(caught.value)


async def test_transient_list_failures_are_retried_within_discovery(sim: Simulator) -> None:
    sim.set_faults(
        Platform.SPORTYBET, FaultConfig(rate=1.0, kinds=("http_503",), endpoints=("list",), limit=2)
    )
    async with open_clients(settings_for(sim, sportybet_tournaments_per_request=4)) as clients:
        discovery = await clients[Platform.SPORTYBET].discover()
        assert clients[Platform.SPORTYBET].http.stats.retries == 2  # type: ignore[attr-defined]
    assert discovery.counts.get("batches_failed", 0) == 0
    assert sim.stats[Platform.SPORTYBET].requests["list"] == 2 + 2
    assert len(discovery.events) == len(sim.board.expected_discovery(Platform.SPORTYBET, datetime.now(UTC)))


# --- limits ------------------------------------------------------------------------------------------


async def _fetch_many(sim: Simulator, settings: ClientSettings, platform: Platform, n: int) -> list[Any]:
    ids = [e.platform_id(platform) for e in sim.board.events if platform in e.platforms][:n]
    async with open_clients(settings) as clients:
        client = clients[platform]
        results: list[Any] = await asyncio.gather(
            *(client.fetch_event(i) for i in ids), return_exceptions=True
        )
        return results


async def test_concurrency_limit_is_never_exceeded() -> None:
    config = SimulatorConfig(board=BOARD, time_scale=0.05)
    async with run_simulator(config) as sim:
        settings = settings_for(sim).with_site(Platform.BETPAWA, concurrency=5)
        results = await _fetch_many(sim, settings, Platform.BETPAWA, 40)
        assert all(isinstance(r, dict) for r in results)
        assert 4 <= sim.stats[Platform.BETPAWA].peak_in_flight <= 5  # reached, never exceeded


async def test_bet9ja_default_limits_never_draw_a_403() -> None:
    config = SimulatorConfig(board=BOARD, time_scale=0.05)
    async with run_simulator(config) as sim:
        settings = settings_for(sim).with_site(Platform.BET9JA, min_interval_s=0.0)  # 15 in flight, no pause
        results = await _fetch_many(sim, settings, Platform.BET9JA, 60)
        assert all(isinstance(r, dict) for r in results)
        assert 12 <= sim.stats[Platform.BET9JA].peak_in_flight <= 15
        assert sim.stats[Platform.BET9JA].throttled == 0


async def test_bet9ja_pushed_past_15_is_throttled_and_retried() -> None:
    config = SimulatorConfig(board=BOARD, time_scale=0.05)
    async with run_simulator(config) as sim:
        settings = settings_for(sim, max_attempts=6).with_site(
            Platform.BET9JA, concurrency=30, min_interval_s=0.0
        )
        results = await _fetch_many(sim, settings, Platform.BET9JA, 60)
        stats = sim.stats[Platform.BET9JA]
        assert stats.throttled > 0
        assert stats.statuses[403] == stats.throttled
        failed = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(r, SiteError) and r.reason == "throttled" for r in failed)
        # every attempt was a 403 or an answer: each 403 was followed by another attempt or was the last
        assert stats.requests["event"] == (60 - len(failed)) + stats.throttled
        assert len(failed) < 60


async def test_bet9ja_pacing_spaces_request_starts() -> None:
    config = SimulatorConfig(board=BOARD, time_scale=0.001)
    async with run_simulator(config) as sim:
        settings = settings_for(sim).with_site(Platform.BET9JA, min_interval_s=0.025)
        started = time.monotonic()
        results = await _fetch_many(sim, settings, Platform.BET9JA, 20)
        elapsed = time.monotonic() - started
        assert all(isinstance(r, dict) for r in results)
        assert elapsed >= 19 * 0.025


# --- a misbehaving BetPawa: the same competition twice in the tree, and lists that ignore ``skip`` -----


def _stubborn_item(n: int) -> dict[str, Any]:
    return {
        "id": str(n),
        "name": "A - B",
        "startTime": "2099-01-01T12:00:00Z",
        "participants": [{"name": "A", "position": 1}, {"name": "B", "position": 2}],
        "widgets": [{"id": str(90_000_000 + n), "type": "SPORTRADAR"}],
    }


async def test_betpawa_walk_survives_a_site_that_ignores_skip() -> None:
    competition = {"competition": {"id": "7", "name": "Cup"}}
    tree = {
        "withRegions": [{"regions": [{"region": {"name": "X"}, "competitions": [competition, competition]}]}]
    }
    lists = 0

    async def tree_handler(_request: web.Request) -> web.Response:
        return web.json_response(tree)

    async def list_handler(_request: web.Request) -> web.Response:
        nonlocal lists
        lists += 1
        return web.json_response({"responses": [{"responses": [_stubborn_item(1), _stubborn_item(2)]}]})

    app = web.Application()
    app.add_routes(
        [
            web.get("/api/sportsbook/v4/categories/list/2", tree_handler),
            web.get("/api/sportsbook/v4/events/lists/by-queries", list_handler),
        ]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        settings = ClientSettings.for_base_urls(
            {Platform.BETPAWA: f"http://127.0.0.1:{port}"}, betpawa_page_size=2
        )
        async with open_clients(settings, platforms=[Platform.BETPAWA]) as clients:
            discovery = await clients[Platform.BETPAWA].discover()
    finally:
        await runner.cleanup()
    assert discovery.counts["tree_entries"] == 1  # listed twice, walked once
    assert discovery.counts["page_limit_hit"] == 1
    assert lists == discovery.counts["pages"] == 100
    assert {e.platform_event_id for e in discovery.events} == {"1", "2"}
    assert discovery.counts["duplicates"] == 2 * 100 - 2


async def test_a_failing_sportybet_batch_is_split_into_single_tournaments(sim: Simulator) -> None:
    sim.set_faults(
        Platform.SPORTYBET, FaultConfig(rate=1.0, kinds=("bad_envelope",), endpoints=("list",), limit=1)
    )
    async with open_clients(settings_for(sim, sportybet_tournaments_per_request=4)) as clients:
        discovery = await clients[Platform.SPORTYBET].discover()
    assert discovery.counts["batches_split"] == 1
    assert discovery.counts.get("batches_failed", 0) == 0
    assert sim.stats[Platform.SPORTYBET].requests["list"] == 2 + 4  # 2 batches (1 refused), then 4 singles
    assert len(discovery.events) == len(sim.board.expected_discovery(Platform.SPORTYBET, datetime.now(UTC)))


async def test_the_default_board_is_discovered_completely() -> None:
    """About 1,300 events, 150 competitions, BetPawa pages of the real 100 (the biggest league has more)."""
    async with run_simulator(SimulatorConfig(time_scale=0.001)) as sim:
        settings = settings_for(sim).with_site(Platform.BET9JA, min_interval_s=0.002)
        async with open_clients(settings) as clients:
            found = {p: await clients[p].discover() for p in ALL_PLATFORMS}
        now = datetime.now(UTC)
        for platform, discovery in found.items():
            expected = sim.board.expected_discovery(platform, now)
            assert {e.sportradar_id: e.platform_event_id for e in discovery.events} == expected
            assert len(expected) > 1000
        assert found[Platform.BETPAWA].counts["pages"] > found[Platform.BETPAWA].counts["tree_entries"]
        merged = set().union(*({e.sportradar_id for e in d.events} for d in found.values()))
        assert 1200 <= len(merged) <= 1300
        assert sim.stats[Platform.BET9JA].throttled == 0
