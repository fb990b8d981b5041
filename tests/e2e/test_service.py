"""The SSE service: one cycle at a time under concurrent requests, and a terminal event for every run."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import aiohttp
import asyncpg
import orjson
from aiohttp import web
from fault_kit import settings_for, simulator
from web_kit import served

from oddsstore.cycle.coordinator import CoordinatorSettings
from oddsstore.models import Platform, RunStatus
from oddsstore.progress import TERMINAL_TYPES
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.service.app import SERVICE_KEY, CycleService, create_app


async def read_events(session: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    """Every SSE event of a run until its terminal one (or until the server ends the stream)."""
    received: list[dict[str, Any]] = []
    async with asyncio.timeout(60), session.get(url) as response:
        assert response.status == 200
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                received.append(orjson.loads(line[len("data: ") :]))
                if received[-1]["type"] in TERMINAL_TYPES:
                    break
    return received


async def run_row(pool: asyncpg.Pool[Any], run_id: int) -> Any:
    async with pool.acquire() as conn:
        return await ScrapeRunsRepository(conn).get(run_id=run_id)


async def test_two_concurrent_posts_start_exactly_one_cycle(pool: asyncpg.Pool[Any]) -> None:
    async with simulator(20) as sim:
        app = create_app(pool, settings_for(sim), coordinator_settings=CoordinatorSettings(batch_size=10))
        async with served(app) as base, aiohttp.ClientSession() as session:

            async def post() -> tuple[int, dict[str, Any]]:
                async with session.post(f"{base}/cycles", json={}) as response:
                    return response.status, await response.json()

            answers = await asyncio.gather(post(), post())
            statuses = sorted(status for status, _ in answers)
            started = next(body for status, body in answers if status == 202)
            refused = next((body for status, body in answers if status == 409), None)
            events = await read_events(session, base + started["events_url"])
    assert statuses == [202, 409]
    assert refused is not None and refused["run_id"] == started["run_id"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM scrape_runs") == 1
    assert events[-1]["type"] == "CYCLE_COMPLETE" and events[-1]["run_id"] == started["run_id"]


async def test_a_cycle_whose_clients_cannot_open_fails_its_run_and_ends_the_stream(
    pool: asyncpg.Pool[Any],
) -> None:
    async with simulator(5) as sim:
        nowhere = cast(Platform, "nowhere")  # build_clients has no client for it: open_clients raises
        app = create_app(pool, settings_for(sim), platforms=(nowhere,))
        async with served(app) as base, aiohttp.ClientSession() as session:
            async with session.post(f"{base}/cycles", json={}) as response:
                assert response.status == 202
                started = await response.json()
            events = await read_events(session, base + started["events_url"])
            async with session.post(f"{base}/cycles", json={}) as response:
                again = response.status  # the failed cycle no longer blocks the next one
    assert [e["type"] for e in events] == ["CYCLE_FAILED"]
    assert events[0]["run_id"] == started["run_id"]
    assert "nowhere" in events[0]["error"]
    run = await run_row(pool, started["run_id"])
    assert run is not None and run.status is RunStatus.FAILED
    assert run.error == events[0]["error"] and run.finished_at is not None
    assert again == 202


async def test_shutting_down_right_after_a_start_fails_the_run_with_a_terminal_event(
    pool: asyncpg.Pool[Any],
) -> None:
    async with simulator(40) as sim:
        app = create_app(pool, settings_for(sim), coordinator_settings=CoordinatorSettings(batch_size=10))
        service = cast(CycleService, app[SERVICE_KEY])
        runner = web.AppRunner(app)
        await runner.setup()
        run_id = await service.start_cycle()
        await runner.cleanup()  # on_shutdown cancels the cycle task, started or not
    stream = service.streams[run_id]
    assert stream.done
    assert [e.type for e in stream.events][-1] == "CYCLE_FAILED"
    assert sum(e.type in TERMINAL_TYPES for e in stream.events) == 1
    run = await run_row(pool, run_id)
    assert run is not None and run.status is RunStatus.FAILED
    assert run.error and "cancel" in run.error
    assert service.current is None


async def test_a_cycle_task_cancelled_before_it_ever_ran_still_fails_its_run(pool: asyncpg.Pool[Any]) -> None:
    async with simulator(5) as sim:
        app = create_app(pool, settings_for(sim))
        service = cast(CycleService, app[SERVICE_KEY])
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            run_id = await service.start_cycle()
            await app.shutdown()  # no await before the cancel: the task's body never starts
        finally:
            await runner.cleanup()
    stream = service.streams[run_id]
    assert stream.done and [e.type for e in stream.events] == ["CYCLE_FAILED"]
    run = await run_row(pool, run_id)
    assert run is not None and run.status is RunStatus.FAILED
    assert run.error == "cancelled before the cycle started"
    assert service.current is None
