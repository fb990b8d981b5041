"""The clients against the simulator, one fault kind at a time.

Every retry is counted at the simulator (its per-site request counters), so "retried" and "not retried"
are observed from the server side, not inferred from the client.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from oddsstore.clients import ClientSettings, PermanentSiteError, SiteClients, SiteError, TransientSiteError
from oddsstore.clients import open_clients as open_site_clients
from oddsstore.clients.base import HttpSite
from oddsstore.devtools.simulator import BoardConfig, FaultConfig, Simulator, SimulatorConfig, run_simulator
from oddsstore.models import ALL_PLATFORMS, Platform
from oddsstore.parsing import ParseError, parse_event

BOARD = BoardConfig(events=40, competitions=5, seed=11, started_share=0.0)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator(SimulatorConfig(board=BOARD, time_scale=0.002)) as simulator:
        yield simulator


def fast_settings(sim: Simulator, **overrides: Any) -> ClientSettings:
    options: dict[str, Any] = {
        "connect_timeout_s": 1.0,
        "total_timeout_s": 2.0,
        "backoff_base_s": 0.001,
        "backoff_max_s": 0.005,
        "max_attempts": 3,
    }
    options.update(overrides)
    return ClientSettings.for_base_urls(sim.base_urls, **options)


def an_event_id(sim: Simulator, platform: Platform) -> str:
    return next(e.platform_id(platform) for e in sim.board.events if platform in e.platforms)


async def fetch_with(sim: Simulator, platform: Platform, faults: FaultConfig, **settings: Any) -> Any:
    sim.set_faults(platform, faults)
    sim.reset_stats()
    async with open_site_clients(fast_settings(sim, **settings)) as clients:
        return await clients[platform].fetch_event(an_event_id(sim, platform))


def event_requests(sim: Simulator, platform: Platform) -> int:
    return sim.stats[platform].requests["event"]


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
async def test_transient_503_is_retried_until_success(sim: Simulator, platform: Platform) -> None:
    body = await fetch_with(
        sim, platform, FaultConfig(rate=1.0, kinds=("http_503",), limit=2), max_attempts=4
    )
    assert parse_event(platform, body).sportradar_id
    assert event_requests(sim, platform) == 3  # two 503s, then the answer
    assert sim.stats[platform].faults["http_503"] == 2


@pytest.mark.parametrize("kind", ["http_500", "http_503"])
async def test_persistent_5xx_gives_up_after_max_attempts(sim: Simulator, kind: str) -> None:
    with pytest.raises(TransientSiteError) as caught:
        await fetch_with(sim, Platform.BETPAWA, FaultConfig(rate=1.0, kinds=(kind,)), max_attempts=3)
    err = caught.value
    assert err.reason == kind
    assert err.attempts == 3
    assert err.platform is Platform.BETPAWA
    assert event_requests(sim, Platform.BETPAWA) == 3
    assert "betpawa" in str(err) and "/events/" in str(err) and kind in str(err)
    assert "after 3 attempts" in str(err)


async def test_429_honours_retry_after(sim: Simulator) -> None:
    faults = FaultConfig(rate=1.0, kinds=("http_429",), limit=1, retry_after_s=0.3)
    started = time.monotonic()
    body = await fetch_with(sim, Platform.SPORTYBET, faults)
    elapsed = time.monotonic() - started
    assert body["bizCode"] == 10000
    assert event_requests(sim, Platform.SPORTYBET) == 2
    assert elapsed >= 0.3  # the backoff alone would have waited at most 5 ms


async def test_timeout_is_transient_and_retried(sim: Simulator) -> None:
    faults = FaultConfig(rate=1.0, kinds=("timeout",), hang_s=10.0)
    started = time.monotonic()
    with pytest.raises(TransientSiteError) as caught:
        await fetch_with(sim, Platform.BET9JA, faults, total_timeout_s=0.2, max_attempts=2)
    assert caught.value.reason == "timeout"
    assert caught.value.attempts == 2
    assert event_requests(sim, Platform.BET9JA) == 2
    assert time.monotonic() - started < 2.0


async def test_connection_reset_is_transient(sim: Simulator) -> None:
    with pytest.raises(TransientSiteError) as caught:
        await fetch_with(sim, Platform.SPORTYBET, FaultConfig(rate=1.0, kinds=("reset",)), max_attempts=2)
    assert caught.value.reason == "connection"
    assert caught.value.attempts == 2
    # aiohttp itself may replay an idempotent request once on a dropped keep-alive connection
    assert 2 <= event_requests(sim, Platform.SPORTYBET) <= 4


@pytest.mark.parametrize(
    ("platform", "kind", "reason"),
    [
        (Platform.BETPAWA, "malformed_json", "malformed_json"),
        (Platform.SPORTYBET, "malformed_json", "malformed_json"),
        (Platform.BET9JA, "malformed_json", "malformed_json"),
        (Platform.BETPAWA, "bad_envelope", "bad_envelope"),
        (Platform.SPORTYBET, "bad_envelope", "bad_envelope"),  # bizCode != 10000
        (Platform.BET9JA, "bad_envelope", "not_found"),  # R == "E"
        (Platform.BET9JA, "oversize", "too_large"),
    ],
)
async def test_permanent_failures_are_not_retried(
    sim: Simulator, platform: Platform, kind: str, reason: str
) -> None:
    faults = FaultConfig(rate=1.0, kinds=(kind,), oversize_bytes=3 * 1024 * 1024)
    with pytest.raises(PermanentSiteError) as caught:
        await fetch_with(sim, platform, faults, max_body_bytes=1024 * 1024)
    assert caught.value.reason == reason
    assert caught.value.attempts == 1
    assert event_requests(sim, platform) == 1
    assert sim.stats[platform].faults[kind] == 1


async def test_size_cap_accepts_a_normal_body_and_refuses_a_big_one(sim: Simulator) -> None:
    body = await fetch_with(sim, Platform.BETPAWA, FaultConfig(), max_body_bytes=1024 * 1024)
    assert body["id"]
    with pytest.raises(PermanentSiteError) as caught:
        await fetch_with(sim, Platform.BETPAWA, FaultConfig(), max_body_bytes=10_000)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(
    ("platform", "reason"),
    [(Platform.BETPAWA, "not_found"), (Platform.SPORTYBET, "bad_envelope"), (Platform.BET9JA, "not_found")],
)
async def test_unknown_event_is_not_retried(sim: Simulator, platform: Platform, reason: str) -> None:
    async with open_site_clients(fast_settings(sim)) as clients:
        with pytest.raises(PermanentSiteError) as caught:
            await clients[platform].fetch_event("999")
    assert caught.value.reason == reason
    assert "999" in caught.value.request  # the message names the event asked for
    assert event_requests(sim, platform) == 1


async def test_missing_keys_reach_the_parser_as_one_parse_error(sim: Simulator) -> None:
    body = await fetch_with(sim, Platform.SPORTYBET, FaultConfig(rate=1.0, kinds=("missing_keys",)))
    with pytest.raises(ParseError) as caught:
        parse_event(Platform.SPORTYBET, body)
    assert "data." in caught.value.path


async def test_breaker_opens_and_stops_requests(sim: Simulator) -> None:
    sim.set_faults(Platform.BET9JA, FaultConfig(down=True))
    async with open_site_clients(fast_settings(sim, breaker_threshold=3, max_attempts=1)) as clients:
        client = clients[Platform.BET9JA]
        for _ in range(3):
            with pytest.raises(TransientSiteError):
                await client.fetch_event(an_event_id(sim, Platform.BET9JA))
        seen = sim.stats[Platform.BET9JA].total_requests
        with pytest.raises(PermanentSiteError) as caught:
            await client.fetch_event(an_event_id(sim, Platform.BET9JA))
        assert caught.value.reason == "circuit_open"
        assert sim.stats[Platform.BET9JA].total_requests == seen  # no request was made
        # the other sites are unaffected
        assert (await clients[Platform.BETPAWA].fetch_event(an_event_id(sim, Platform.BETPAWA)))["id"]


async def test_breaker_is_reset_by_a_success(sim: Simulator) -> None:
    faults = FaultConfig(rate=1.0, kinds=("http_503",), limit=2)
    sim.set_faults(Platform.BETPAWA, faults)
    async with open_site_clients(fast_settings(sim, breaker_threshold=3, max_attempts=1)) as clients:
        client = clients[Platform.BETPAWA]
        for _ in range(2):
            with pytest.raises(SiteError):
                await client.fetch_event(an_event_id(sim, Platform.BETPAWA))
        assert (await client.fetch_event(an_event_id(sim, Platform.BETPAWA)))["id"]
        sim.set_faults(Platform.BETPAWA, faults)  # two more failures: 2 < threshold after the reset
        for _ in range(2):
            with pytest.raises(TransientSiteError):
                await client.fetch_event(an_event_id(sim, Platform.BETPAWA))
        assert (await client.fetch_event(an_event_id(sim, Platform.BETPAWA)))["id"]


async def test_host_session_is_left_open(sim: Simulator) -> None:
    # a host session that raises for status must not change how statuses are classified
    async with aiohttp.ClientSession(raise_for_status=True) as session:
        async with open_site_clients(fast_settings(sim), session) as clients:
            assert isinstance(clients, SiteClients)
            assert clients.session is session
        assert not session.closed
        async with open_site_clients(fast_settings(sim), session) as clients:
            assert (await clients[Platform.BET9JA].fetch_event(an_event_id(sim, Platform.BET9JA)))[
                "R"
            ] == "OK"


async def test_every_http_attempt_is_timed_retries_and_timeouts_included(sim: Simulator) -> None:
    seen: dict[Platform, list[float]] = {p: [] for p in ALL_PLATFORMS}
    sim.set_faults(Platform.BETPAWA, FaultConfig(rate=1.0, kinds=("http_503",), limit=2))
    sim.set_faults(Platform.BET9JA, FaultConfig(rate=1.0, kinds=("timeout",), hang_s=10.0))
    sim.reset_stats()
    settings = fast_settings(sim, max_attempts=4, total_timeout_s=0.3)
    async with open_site_clients(settings) as clients:
        for platform in ALL_PLATFORMS:
            http = getattr(clients[platform], "http")  # noqa: B009 - concrete clients, not the protocol
            assert isinstance(http, HttpSite)
            http.on_attempt = seen[platform].append
        await clients[Platform.BETPAWA].fetch_event(an_event_id(sim, Platform.BETPAWA))
        await clients[Platform.SPORTYBET].fetch_event(an_event_id(sim, Platform.SPORTYBET))
        with pytest.raises(TransientSiteError):
            await clients[Platform.BET9JA].fetch_event(an_event_id(sim, Platform.BET9JA))
    for platform in ALL_PLATFORMS:  # one timing per request the site received
        assert len(seen[platform]) == event_requests(sim, platform)
    assert len(seen[Platform.BETPAWA]) == 3 and len(seen[Platform.BET9JA]) == 4
    assert min(seen[Platform.BET9JA]) >= 0.25  # each attempt ran into the 0.3 s timeout
    assert all(0 <= s < 0.25 for s in seen[Platform.SPORTYBET] + seen[Platform.BETPAWA])
