"""Whole cycles: the real clients against the simulator on loopback, parsers, storage, a real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web
from cycle_checks import check_order, run_rows
from fault_kit import settings_for, simulator

from oddsstore.clients import open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.devtools.simulator import FaultConfig, Simulator
from oddsstore.models import Platform, RunStatus
from oddsstore.progress import CycleComplete, ProgressEvent
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository
from oddsstore.service.app import create_app
from oddsstore.service.reports import format_report, load_report


async def cycle(sim: Simulator, pool: asyncpg.Pool[Any]) -> tuple[EventCoordinator, list[ProgressEvent]]:
    async with open_clients(settings_for(sim)) as clients:
        coord = EventCoordinator(clients, CoordinatorSettings(batch_size=15))
        async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
            return coord, [event async for event in progress]


async def test_a_clean_cycle_stores_every_discovered_event_once_and_counts_what_it_stored(
    pool: asyncpg.Pool[Any],
) -> None:
    async with simulator(70) as sim:
        coord, events = await cycle(sim, pool)
    check_order(events)
    done = events[-1]
    assert isinstance(done, CycleComplete)
    assert coord.discovery is not None
    discovered = {t.sportradar_id for t in coord.discovery.targets}
    async with pool.acquire() as conn:
        rows = await run_rows(conn, done.run_id)
        statuses = await ScrapeStatusRepository(conn).list_for_run(run_id=done.run_id)
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert {s.sportradar_id for s in statuses} == discovered
    assert rows.status_rows == rows.distinct_events == len(discovered) == done.events_total
    assert (done.events_scraped, done.events_failed) == (rows.completed, rows.failed) == (len(discovered), 0)
    assert done.snapshots_created == rows.snapshots > len(discovered)
    assert done.markets_stored == rows.markets > 100 * rows.snapshots
    assert done.status == "completed"
    assert run is not None and run.status is RunStatus.COMPLETED
    assert (run.snapshots_created, run.markets_stored) == (rows.snapshots, rows.markets)
    # a first cycle on an empty database: every market is first seen, one history row each
    assert done.history_rows == run.history_rows == rows.history_rows == rows.markets
    one_site = [s for s in statuses if len(s.platforms_requested) == 1]
    assert one_site, "the board should list some events on one site only"
    assert all(s.status == "completed" and s.platforms_scraped == s.platforms_requested for s in one_site)


async def test_site_faults_give_partial_and_wholly_failed_events_with_reasons(
    pool: asyncpg.Pool[Any],
) -> None:
    broken = FaultConfig(rate=1.0, kinds=("malformed_json",), endpoints=("event",))
    async with simulator(70, faults={Platform.BET9JA: broken}) as sim:
        _, events = await cycle(sim, pool)
    check_order(events)
    done = events[-1]
    assert isinstance(done, CycleComplete)
    async with pool.acquire() as conn:
        rows = await run_rows(conn, done.run_id)
        statuses = await ScrapeStatusRepository(conn).list_for_run(run_id=done.run_id)
    assert (done.events_scraped, done.events_failed) == (rows.completed, rows.failed)
    assert done.status == "partial"
    only_bet9ja = [s for s in statuses if s.platforms_requested == ("bet9ja",)]
    with_bet9ja = [
        s for s in statuses if "bet9ja" in s.platforms_requested and len(s.platforms_requested) > 1
    ]
    without = [s for s in statuses if "bet9ja" not in s.platforms_requested]
    assert only_bet9ja and with_bet9ja and without
    for s in only_bet9ja:
        assert s.status == "failed" and s.platforms_scraped == ()
    for s in with_bet9ja:
        assert s.status == "completed" and "bet9ja" in s.platforms_failed
    for s in only_bet9ja + with_bet9ja:
        assert s.error_details is not None
        reason = s.error_details["bet9ja"].split(":", 1)[0]
        assert reason in {"malformed_json", "circuit_open"}
    assert all(s.status == "completed" and not s.platforms_failed for s in without)
    assert rows.failed == len(only_bet9ja)


async def _read_sse(session: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    name = ""
    async with session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data = orjson.loads(line[len("data: ") :])
                assert data["type"] == name
                received.append(data)
                if name == "CYCLE_COMPLETE":
                    break
    return received


async def test_the_sse_endpoint_streams_a_cycle_to_a_real_http_client(pool: asyncpg.Pool[Any]) -> None:
    async with simulator(40) as sim:
        app = create_app(pool, settings_for(sim), coordinator_settings=CoordinatorSettings(batch_size=10))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as session:
                async with session.post(f"{base}/cycles", json={}) as response:
                    assert response.status == 202
                    started = await response.json()
                async with session.post(f"{base}/cycles", json={}) as response:
                    assert response.status == 409
                    assert (await response.json())["run_id"] == started["run_id"]
                received = await _read_sse(session, base + started["events_url"])
                late = await _read_sse(session, base + started["events_url"])  # a replay for a late reader
                async with session.get(base + started["run_url"]) as response:
                    assert response.status == 200
                    report = await response.json()
                async with session.get(f"{base}/runs/999999") as response:
                    assert response.status == 404
        finally:
            await runner.cleanup()
    types = [e["type"] for e in received]
    assert types[0] == "CYCLE_START" and types[-1] == "CYCLE_COMPLETE"
    assert {"DISCOVERY_COMPLETE", "QUEUE_BUILT", "BATCH_START", "EVENT_SCRAPED", "BATCH_COMPLETE"} <= set(
        types
    )
    assert [e["type"] for e in late] == types
    done = received[-1]
    assert done["run_id"] == started["run_id"]
    assert report["run"]["status"] == done["status"] == "completed"
    assert report["status_rows"] == done["events_total"] == types.count("EVENT_SCRAPED")
    assert report["run"]["snapshots_created"] == done["snapshots_created"]


async def test_the_report_behind_oddsstore_status(pool: asyncpg.Pool[Any]) -> None:
    async with simulator(25) as sim:
        _, progress = await cycle(sim, pool)
    done = progress[-1]
    assert isinstance(done, CycleComplete)
    async with pool.acquire() as conn:
        report = await load_report(conn, done.run_id)
    assert report is not None
    text = format_report(report)
    assert f"run {done.run_id}: completed" in text
    assert f"status rows: {done.events_total} (completed {done.events_total})" in text
    assert report.to_dict()["sites"]["betpawa"]["scraped"] == report.scraped_by_site["betpawa"] > 0


async def test_oddsstore_demo_and_status_from_the_command_line(db_dsn: str) -> None:
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oddsstore",
        "demo",
        "--dsn",
        db_dsn,
        "--events",
        "30",
        "--time-scale",
        "0.003",
        "--batch-size",
        "10",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(demo.communicate(), 120)
    assert demo.returncode == 0, err.decode()[-2000:]
    lines = out.decode().strip().splitlines()
    result = orjson.loads(lines[-1])
    assert set(result) == {
        "run_id",
        "status",
        "events_discovered",
        "events_stored",
        "events_failed",
        "status_rows",
        "snapshots",
        "markets",
        "duration_s",
    }
    conn = await asyncpg.connect(db_dsn)
    try:
        rows = await run_rows(conn, result["run_id"])
    finally:
        await conn.close()
    assert result["status"] == "completed"
    assert result["status_rows"] == rows.status_rows == result["events_discovered"]
    assert result["events_stored"] == rows.completed and result["events_failed"] == rows.failed == 0
    assert (result["snapshots"], result["markets"]) == (rows.snapshots, rows.markets)
    text = out.decode()
    assert "1X2 (market 3743)" in text and "%" in text
    assert "betpawa" in text and "bet9ja" in text

    status = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oddsstore",
        "status",
        str(result["run_id"]),
        "--dsn",
        db_dsn,
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(status.communicate(), 60)
    assert status.returncode == 0, err.decode()
    report = orjson.loads(out)
    assert report["status_rows"] == rows.status_rows
    assert report["run"]["status"] == "completed"
