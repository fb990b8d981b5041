"""The SSE service: one cycle at a time under concurrent requests, and a terminal event for every run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web
from fault_kit import settings_for, simulator

from oddsstore.coordinator import CoordinatorSettings
from oddsstore.progress import TERMINAL_TYPES
from oddsstore.service import create_app


@contextlib.asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """``app`` on a loopback port; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


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


async def test_two_concurrent_posts_start_exactly_one_cycle(pool: asyncpg.Pool[Any]) -> None:
    async with simulator(20) as sim:
        app = create_app(pool, settings_for(sim), coordinator_settings=CoordinatorSettings(batch_size=10))
        async with served(app) as base, aiohttp.ClientSession() as session:

            async def post() -> tuple[int, dict[str, Any]]:
                async with session.post(f"{base}/cycles") as response:
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
