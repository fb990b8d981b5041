"""Databases for the benchmarks: one migrated to the latest schema, one kept at 0001's full-snapshot
layout (every market of every snapshot as a row, outcomes as JSON) for the baselines."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from oddsstore.db import apply_migrations, migrations_dir, with_database


def _apply_first_only(dsn: str) -> None:
    from yoyo import get_backend, read_migrations

    backend = get_backend(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        migrations = read_migrations(str(migrations_dir())).filter(lambda m: m.id == "0001_schema")
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))
    finally:
        backend.connection.close()


async def new_database(server_dsn: str, prefix: str, *, full_layout: bool = False) -> str:
    """A new database on the server: migrated (``full_layout=False``) or at 0001's layout with the
    columns 0003 adds (the event repositories of today write ``observed_at``; 0003 adds columns only)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = with_database(server_dsn, name)
    if full_layout:
        await asyncio.to_thread(_apply_first_only, dsn)
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute((migrations_dir() / "0003_run_owner_and_observations.sql").read_text())
        finally:
            await conn.close()
    else:
        await apply_migrations(dsn)
    return dsn


async def drop_database(server_dsn: str, dsn: str) -> None:
    name = dsn.split("?", 1)[0].rsplit("/", 1)[-1]
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


TABLE_BYTES = """
SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm') AND c.relname NOT LIKE '_yoyo%'
  AND c.relname NOT LIKE 'yoyo%'
"""
