"""Helpers of the read routes' tests: an app on loopback with a fixed "now", events stored with known
prices (``store_batch``, nothing else of the library)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import attrs
from aiohttp import web
from reads_kit import batch_of, event_on, one_x_two

from oddsstore.clients import ClientSettings
from oddsstore.models import EventOdds, Platform
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.service.api import ReadsSettings
from oddsstore.service.app import create_app
from oddsstore.storage.batch import store_batch

BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
NOW = datetime(2026, 5, 6, 8, 0, tzinfo=UTC)  # three hours before SR 68995116's kickoff
KICKOFF = NOW + timedelta(hours=2)


@contextlib.asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def app_for(pool: asyncpg.Pool[Any], ttl_s: float = 2.0, **kw: Any) -> web.Application:
    reads = ReadsSettings(board_ttl_s=ttl_s, clock=lambda: NOW)
    return create_app(pool, ClientSettings.defaults(), reads=reads, **kw)


async def store(pool: asyncpg.Pool[Any], events: Sequence[dict[Platform, EventOdds]], at: datetime) -> None:
    async with pool.acquire() as conn:
        run = (await ScrapeRunsRepository(conn).create(trigger="test")).id
        assert not (await store_batch(conn, batch_of(events, at), run)).errors


def known_events() -> list[dict[Platform, EventOdds]]:
    a = {  # SportyBet pays more on "1", Bet9ja on "2"
        BP: event_on(BP, "9001", KICKOFF, [one_x_two(2.0, 3.4, 3.6)]),
        SB: event_on(SB, "9001", KICKOFF, [one_x_two(2.1, 3.3, 3.5)]),
        B9: event_on(B9, "9001", KICKOFF, [one_x_two(2.05, 3.2, 3.8)]),
    }
    b = {  # BetPawa ahead everywhere, kicks off later
        BP: event_on(BP, "9002", KICKOFF + timedelta(hours=5), [one_x_two(2.5, 3.3, 3.0)], "Other Cup"),
        SB: event_on(SB, "9002", KICKOFF + timedelta(hours=5), [one_x_two(2.4, 3.2, 2.9)], "Other Cup"),
    }
    return [a, b]


HOSTILE = '<script>window.__pwned = 1; alert("x")</script>'


def hostile_event() -> dict[Platform, EventOdds]:
    """An event whose bookmaker-given names are hostile HTML; BetPawa behind on X and 2."""
    kickoff = NOW + timedelta(hours=4)
    sites = {
        BP: event_on(BP, "9003", kickoff, [one_x_two(1.9, 3.5, 4.0)], tournament="<b>Cup</b>"),
        SB: event_on(SB, "9003", kickoff, [one_x_two(1.8, 3.6, 4.1)], tournament="<b>Cup</b>"),
    }
    return {p: attrs.evolve(e, home_team=HOSTILE, away_team="O'Brien & Sons") for p, e in sites.items()}
