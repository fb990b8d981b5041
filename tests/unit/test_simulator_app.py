"""The simulator's HTTP surface: real paths and envelopes, control endpoints, and the CLI process."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from oddsstore.cli import build_parser
from oddsstore.cli.simulator import config_from_args
from oddsstore.devtools.simulator import BoardConfig, Simulator, SimulatorConfig, run_simulator
from oddsstore.models import Platform

BOARD = BoardConfig(events=30, competitions=4, seed=8)
BETPAWA_HEADERS = {"x-pawa-brand": "betpawa-nigeria", "accept": "application/json"}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator(SimulatorConfig(board=BOARD, time_scale=0.001)) as simulator:
        yield simulator


async def test_base_urls_are_loopback_prefixes_of_the_real_paths(sim: Simulator) -> None:
    assert sim.base_urls[Platform.BET9JA] == f"http://127.0.0.1:{sim.port}/bet9ja"
    async with aiohttp.ClientSession() as session:
        url = sim.base_urls[Platform.SPORTYBET] + "/api/ng/factsCenter/popularAndSportList"
        async with session.get(url, params={"sportId": "sr:sport:1"}) as response:
            body = await response.json()
    assert body["bizCode"] == 10000
    assert body["data"]["sportList"][0]["id"] == "sr:sport:1"
    assert sim.stats[Platform.SPORTYBET].requests["tree"] == 1


async def test_betpawa_insists_on_its_headers(sim: Simulator) -> None:
    url = sim.base_urls[Platform.BETPAWA] + "/api/sportsbook/v4/categories/list/2"
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={"accept": "application/json"}) as response:
            assert response.status == 400
        async with session.get(url, headers={"x-pawa-brand": "betpawa-nigeria", "accept": "*/*"}) as response:
            assert response.content_type == "application/x-protobuf"
        async with session.get(url, headers=BETPAWA_HEADERS) as response:
            assert "withRegions" in await response.json()


async def test_control_endpoints(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{sim.url}/_sim/board") as response:
            board = await response.json()
        assert board["events"] == 30
        async with session.post(f"{sim.url}/_sim/advance") as response:
            assert (await response.json())["cycle"] == 1
        assert sim.cycle == 1
        config = {"faults": {"bet9ja": {"rate": 1.0, "kinds": ["http_503"], "endpoints": ["tree"]}}}
        async with session.post(f"{sim.url}/_sim/config", json=config) as response:
            assert (await response.json())["bet9ja"]["rate"] == 1.0
        url = sim.base_urls[Platform.BET9JA] + "/desktop/feapi/PalimpsestAjax/GetSports"
        async with session.get(url) as response:
            assert response.status == 503
        async with session.post(f"{sim.url}/_sim/config", json={"faults": {"bet9ja": {"kinds": ["x"]}}}) as r:
            assert r.status == 400
        async with session.get(f"{sim.url}/_sim/stats") as response:
            stats = await response.json()
    assert stats["cycle"] == 1
    assert stats["sites"]["bet9ja"]["faults"] == {"http_503": 1}
    assert stats["sites"]["bet9ja"]["statuses"] == {"503": 1}


async def test_cli_serves_until_terminated() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "oddsstore", "simulator", "--port", "0", "--events", "20",
        "--competitions", "3", "--time-scale", "0.001", "--json",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=20)
        urls = json.loads(line)
        assert set(urls) == {"betpawa", "sportybet", "bet9ja"}
        async with aiohttp.ClientSession() as session:
            url = urls["bet9ja"] + "/desktop/feapi/PalimpsestAjax/GetSports"
            async with session.get(url, params={"DISP": "0"}) as response:
                assert (await response.json())["R"] == "OK"
    finally:
        proc.terminate()
        code = await asyncio.wait_for(proc.wait(), timeout=10)
    assert code == 0


def test_cli_options_become_per_site_faults() -> None:
    args = build_parser().parse_args(
        ["simulator", "--faults", "0.2", "--fault-kinds", "http_503,timeout", "--fault-sites", "bet9ja",
         "--down", "sportybet", "--empty", "betpawa", "--events", "99", "--seed", "4"]
    )  # fmt: skip
    config = config_from_args(args)
    assert config.board.events == 99 and config.board.seed == 4
    assert config.faults[Platform.BET9JA].rate == 0.2
    assert config.faults[Platform.BET9JA].kinds == ("http_503", "timeout")
    assert config.faults[Platform.BETPAWA].rate == 0.0 and config.faults[Platform.BETPAWA].empty
    assert config.faults[Platform.SPORTYBET].down and not config.faults[Platform.BET9JA].down
    assert config.host == "127.0.0.1"
    assert config.prewarm
    assert not config_from_args(build_parser().parse_args(["simulator", "--no-prewarm"])).prewarm
    with pytest.raises(ValueError, match="unknown fault kinds"):
        config_from_args(build_parser().parse_args(["simulator", "--fault-kinds", "meteor"]))
