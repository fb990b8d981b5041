"""The contract between the simulator and the parsers: every body the simulator serves parses, with the
mapped markets present and the same (market_id, line) keys across the three sites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from oddsstore.clients import ClientSettings, open_clients
from oddsstore.devtools.simulator import BoardConfig, Simulator, SimulatorConfig, run_simulator
from oddsstore.models import ALL_PLATFORMS, EventOdds, Platform
from oddsstore.parsing import parse_event
from oddsstore.reads.fair import margin as market_margin

BOARD = BoardConfig(events=24, competitions=4, seed=21, started_share=0.0, bet9ja_missing_extid_share=0.0)
CORE = {"3743", "5000", "3795", "4693", "4703", "3774", "4724"}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator(SimulatorConfig(board=BOARD, time_scale=0.001)) as simulator:
        yield simulator


async def fetch_all(sim: Simulator, **overrides: Any) -> dict[Platform, dict[str, EventOdds]]:
    """Every event of the board on every site that lists it, parsed; keyed by SR id."""
    parsed: dict[Platform, dict[str, EventOdds]] = {p: {} for p in ALL_PLATFORMS}
    async with open_clients(ClientSettings.for_base_urls(sim.base_urls, **overrides)) as clients:
        for event in sim.board.events:
            for platform in event.platforms:
                body = await clients[platform].fetch_event(event.platform_id(platform))
                parsed[platform][event.sportradar_id] = parse_event(platform, body)
    return parsed


async def test_every_event_body_parses_with_its_mapped_markets(sim: Simulator) -> None:
    parsed = await fetch_all(sim)
    for platform, events in parsed.items():
        assert len(events) == len(sim.board.on(platform))
        for sr_id, odds in events.items():
            board_event = next(e for e in sim.board.events if e.sportradar_id == sr_id)
            assert odds.sportradar_id == sr_id
            assert odds.platform_event_id == board_event.platform_id(platform)
            assert (odds.home_team, odds.away_team) == (board_event.home, board_event.away)
            assert odds.kickoff == board_event.kickoff
            assert odds.tournament == board_event.competition.name
            keys = {m.market_id for m in odds.markets}
            assert keys >= CORE, (platform, CORE - keys)
            one_x_two = next(m for m in odds.markets if m.market_id == "3743")
            assert [o.name for o in one_x_two.outcomes] == ["1", "X", "2"]
            margin = market_margin(one_x_two)
            assert margin is not None and 0.0 < margin < 15.0
            assert 140 <= odds.markets_seen <= 260, (platform, odds.markets_seen)
            assert odds.markets_mapped >= 100
            if platform is not Platform.BETPAWA:
                assert odds.skipped.get("unmapped_market", 0) > 0  # unmapped source markets exist


async def test_the_same_keys_across_sites(sim: Simulator) -> None:
    parsed = await fetch_all(sim)
    on_all = [e for e in sim.board.events if len(e.platforms) == 3]
    assert on_all
    for event in on_all:
        keys = [
            {(m.market_id, m.line) for m in parsed[p][event.sportradar_id].markets if m.market_id in CORE}
            for p in ALL_PLATFORMS
        ]
        assert keys[0] == keys[1] == keys[2]
        assert ("5000", 2.5) in keys[0] and ("3774", -0.5) in keys[0] and ("4724", -1.0) in keys[0]
        handicaps = {
            p: next(
                m for m in parsed[p][event.sportradar_id].markets if (m.market_id, m.line) == ("4724", -1.0)
            )
            for p in ALL_PLATFORMS
        }
        assert {(m.handicap_type, m.handicap_home, m.handicap_away) for m in handicaps.values()} == {
            ("european", -1.0, 1.0)
        }


async def test_betpawa_v3_bodies_parse_too(sim: Simulator) -> None:
    event = next(e for e in sim.board.events if Platform.BETPAWA in e.platforms)
    async with open_clients(ClientSettings.for_base_urls(sim.base_urls, betpawa_api_version="v3")) as clients:
        body = await clients[Platform.BETPAWA].fetch_event(event.platform_id(Platform.BETPAWA))
    assert "price" in body["markets"][0]["row"][0]["prices"][0]
    odds = parse_event(Platform.BETPAWA, body)
    assert {m.market_id for m in odds.markets} >= CORE
    assert ("5000", 2.5) in {(m.market_id, m.line) for m in odds.markets}


async def test_odds_drift_by_the_configured_share_per_cycle(sim: Simulator) -> None:
    event = next(e for e in sim.board.events if Platform.SPORTYBET in e.platforms)
    async with open_clients(ClientSettings.for_base_urls(sim.base_urls)) as clients:
        client = clients[Platform.SPORTYBET]
        first = await client.fetch_event(event.platform_id(Platform.SPORTYBET))
        again = await client.fetch_event(event.platform_id(Platform.SPORTYBET))
        assert first == again  # no drift within a cycle
        sim.advance()
        moved = await client.fetch_event(event.platform_id(Platform.SPORTYBET))
    before = {(m["id"], m.get("specifier")): m["outcomes"] for m in first["data"]["markets"]}
    after = {(m["id"], m.get("specifier")): m["outcomes"] for m in moved["data"]["markets"]}
    assert before.keys() == after.keys()
    share = sum(before[k] != after[k] for k in before) / len(before)
    assert 0.03 < share < 0.25  # drift_rate 0.1 over ~200 markets
