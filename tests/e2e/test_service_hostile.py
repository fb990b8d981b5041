"""``serve`` against a hostile client and a failing database: ids out of range, the database down,
readers that vanish, cross-origin and DNS-rebinding requests, and the bearer token."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import asyncpg
import pytest
from fault_kit import relay_to, settings_for, simulator
from loguru import logger
from proc_kit import slow_simulator
from web_kit import served

from oddsstore.cycle.coordinator import CoordinatorSettings
from oddsstore.db import create_pool
from oddsstore.service.app import AccessPolicy, create_app


async def _status(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, Any]:
    async with session.request(method, url, **kw) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


async def test_ids_out_of_range_are_404_not_500(pool: asyncpg.Pool[Any]) -> None:
    async with (
        simulator(5) as sim,
        served(create_app(pool, settings_for(sim))) as base,
        aiohttp.ClientSession() as session,
    ):
        run = await _status(session, "GET", f"{base}/runs/99999999999999999999")
        events = await _status(session, "GET", f"{base}/cycles/99999999999999999999/events")
        zero = await _status(session, "GET", f"{base}/runs/0")
    assert run[0] == events[0] == zero[0] == 404


async def test_with_the_database_down_get_and_post_answer_503_with_a_reason(db_dsn: str) -> None:
    async with relay_to(db_dsn) as relay, simulator(5) as sim:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=2)
        try:
            async with served(create_app(relayed, settings_for(sim))) as base, aiohttp.ClientSession() as s:
                await relay.cut()
                got = await _status(s, "GET", f"{base}/runs/1")
                posted = await _status(s, "POST", f"{base}/cycles", json={})
                await relay.restore()
                back = await _status(s, "GET", f"{base}/runs/1")
        finally:
            await relayed.close()
    assert got[0] == posted[0] == 503
    assert got[1]["error"] == "the database is unavailable" and got[1]["reason"]
    assert back[0] == 404  # the database is back: no such run


async def test_an_sse_reader_that_disconnects_is_not_a_traceback(
    pool: asyncpg.Pool[Any], caplog: pytest.LogCaptureFixture
) -> None:
    lines: list[str] = []
    handler = logger.add(lambda m: lines.append(str(m)), level="DEBUG")
    caplog.set_level(logging.DEBUG)
    try:
        async with slow_simulator(60) as sim:
            app = create_app(pool, settings_for(sim), coordinator_settings=CoordinatorSettings(batch_size=5))
            async with served(app) as base:
                for _ in range(3):
                    async with aiohttp.ClientSession() as session:
                        if _ == 0:
                            status, body = await _status(session, "POST", f"{base}/cycles", json={})
                            assert status == 202
                            url = base + body["events_url"]
                        async with session.get(url) as response:
                            await response.content.readline()  # then the reader goes away
                await asyncio.sleep(1.0)  # more events are written to the readers that left
                async with aiohttp.ClientSession() as session, session.get(url) as response:
                    async for raw in response.content:
                        if raw.startswith(b"event: CYCLE_"):
                            last = raw
    finally:
        logger.remove(handler)
    assert last.startswith(b"event: CYCLE_COMPLETE")
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert not any("Traceback" in line or "ERROR" in line for line in lines), lines


async def test_posts_need_a_json_body_and_the_token_and_the_host_is_checked(pool: asyncpg.Pool[Any]) -> None:
    async with simulator(5) as sim:
        app = create_app(pool, settings_for(sim), access=AccessPolicy(token="s3cr3t-token"))
        async with served(app) as base, aiohttp.ClientSession() as s:
            cross_origin = await _status(
                s,
                "POST",
                f"{base}/cycles",
                data="{}",
                headers={
                    "Content-Type": "text/plain",
                    "Origin": "http://evil.example",
                    "Authorization": "Bearer s3cr3t-token",
                },
            )
            no_token = await _status(s, "POST", f"{base}/cycles", json={})
            wrong = await _status(s, "POST", f"{base}/cycles", json={}, headers={"Authorization": "Bearer x"})
            bad_json = await _status(
                s,
                "POST",
                f"{base}/cycles",
                data="{not json",
                headers={"Content-Type": "application/json", "Authorization": "Bearer s3cr3t-token"},
            )
            rebinding = await _status(s, "GET", f"{base}/runs/1", headers={"Host": "evil.example"})
            rebinding_post = await _status(
                s,
                "POST",
                f"{base}/cycles",
                json={},
                headers={"Host": "evil.example:80", "Authorization": "Bearer s3cr3t-token"},
            )
            async with pool.acquire() as conn:
                runs_before = await conn.fetchval("SELECT count(*) FROM scrape_runs")
            read_open = await _status(s, "GET", f"{base}/runs/1", headers={"Host": "localhost"})
            started = await _status(
                s, "POST", f"{base}/cycles", json={}, headers={"Authorization": "Bearer s3cr3t-token"}
            )
    assert cross_origin[0] == 415
    assert no_token[0] == wrong[0] == 401
    assert bad_json[0] == 400
    assert rebinding[0] == rebinding_post[0] == 421
    assert runs_before == 0  # nothing above started a cycle
    assert read_open[0] == 404  # reads stay open on loopback without a token
    assert started[0] == 202


async def test_beyond_loopback_every_request_needs_the_token(pool: asyncpg.Pool[Any]) -> None:
    policy = AccessPolicy(token="t", bound_host="0.0.0.0")  # noqa: S104 - the policy of such a bind
    async with (
        simulator(5) as sim,
        served(create_app(pool, settings_for(sim), access=policy)) as base,
        aiohttp.ClientSession() as s,
    ):
        anonymous = await _status(s, "GET", f"{base}/runs/1")
        with_token = await _status(s, "GET", f"{base}/runs/1", headers={"Authorization": "Bearer t"})
    assert anonymous[0] == 401 and with_token[0] == 404
