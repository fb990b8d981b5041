"""Helpers of the fault tests: a loopback TCP relay to cut the database, a small simulated board, a cycle."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.devtools.simulator import BoardConfig, Simulator, SimulatorConfig, run_simulator
from oddsstore.models import Platform
from oddsstore.progress import ProgressEvent
from oddsstore.storage.storer import BatchStorer

TIME_SCALE = 0.003


class Relay:
    """``127.0.0.1:port`` -> the test database. ``cut()`` drops every relayed connection and refuses new
    ones (the database is unreachable); ``restore()`` listens again on the same port. ``freeze()`` stops
    forwarding without closing anything (a frozen server, a network partition): connections are
    accepted and hang; ``thaw()`` forwards again."""

    def __init__(self, db_dsn: str) -> None:
        self._db_dsn = db_dsn
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.connections = 0
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def dsn(self) -> str:
        parts = urlsplit(self._db_dsn)
        user = parts.username or "postgres"
        return f"postgresql://{user}:relay-secret@127.0.0.1:{self.port}{parts.path}"

    async def _upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        parts = urlsplit(self._db_dsn)
        socket_dir = parse_qs(parts.query).get("host", [None])[0]
        if socket_dir and socket_dir.startswith("/"):
            return await asyncio.open_unix_connection(f"{socket_dir}/.s.PGSQL.{parts.port or 5432}")
        return await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 5432)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with suppress(Exception):
                writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        await self._flowing.wait()
        up_reader, up_writer = await self._upstream()
        self.connections += 1
        self._writers |= {writer, up_writer}
        for pair in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(*pair))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        self._flowing.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def restore(self) -> None:
        await self.start()

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()


@contextlib.asynccontextmanager
async def relay_to(db_dsn: str) -> AsyncIterator[Relay]:
    relay = Relay(db_dsn)
    await relay.start()
    try:
        yield relay
    finally:
        await relay.cut()


def settings_for(sim: Simulator, **overrides: Any) -> ClientSettings:
    options: dict[str, Any] = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "total_timeout_s": 5.0}
    options.update(overrides)
    settings = ClientSettings.for_base_urls(sim.base_urls, **options)
    return settings.with_site(Platform.BET9JA, min_interval_s=0.0)


@contextlib.asynccontextmanager
async def simulator(events: int, **config: Any) -> AsyncIterator[Simulator]:
    board = BoardConfig(events=events, competitions=max(4, events // 10), seed=7)
    async with run_simulator(SimulatorConfig(board=board, time_scale=TIME_SCALE, **config)) as sim:
        yield sim


async def run_cycle(
    sim: Simulator,
    pool: asyncpg.Pool[Any],
    *,
    storer: BatchStorer | None = None,
    batch_size: int = 10,
    **client_overrides: Any,
) -> tuple[EventCoordinator, list[ProgressEvent]]:
    """One cycle; ``storer`` may be a function of the coordinator (to bind ``store_batch_results``)."""
    async with open_clients(settings_for(sim, **client_overrides)) as clients:
        coord = EventCoordinator(clients, CoordinatorSettings(batch_size=batch_size), storer=storer)
        async with contextlib.aclosing(coord.run_full_cycle(pool)) as progress:
            return coord, [event async for event in progress]
