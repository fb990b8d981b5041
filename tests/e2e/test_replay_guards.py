"""Replay stores where the batches belong, or nowhere; a late replay never moves event facts back."""

from __future__ import annotations

import asyncio
import sys
import uuid
from asyncio.subprocess import PIPE
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import orjson
import psycopg
import pytest

from oddsstore.db import create_pool, with_database
from oddsstore.devtools.batches import make_batch
from oddsstore.models import RunStatus
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.replay import replay_spill_file
from oddsstore.storage.spill import append_batch

ROOT = Path(__file__).resolve().parents[2]
_STATUS_ROWS = "SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1"
_EVENTS = "SELECT sportradar_id, kickoff FROM events ORDER BY 1"
_COMPETITORS = "SELECT source, external_id, kickoff FROM competitor_events ORDER BY 1, 2"


@pytest.fixture
def other_dsn(pg_dsn: str, template_dsn: str) -> Iterator[str]:
    """A second migrated database on the same server (same cluster, another name)."""
    template = urlsplit(template_dsn).path.lstrip("/")
    name = f"oddsstore_o_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'.encode())
    try:
        yield with_database(pg_dsn, name)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


async def _spill_of_a_run(pool: asyncpg.Pool[Any], path: Path, batches: int = 2) -> int:
    """A run in ``pool``'s database and a spill file of ``batches`` batches for it, as a cycle writes."""
    async with pool.acquire() as conn:
        runs = ScrapeRunsRepository(conn)
        run_id = (await runs.create(trigger="test")).id
        origin = await runs.origin(run_id=run_id)
        await runs.finish(run_id=run_id, status=RunStatus.FAILED, error="2 batch(es) not stored")
    for index in range(batches):
        batch = make_batch(
            index + 1, events=5, markets_per_snapshot=4, first_index=100 * index, batch_index=index
        )
        append_batch(path, scrape_run_id=run_id, batch=batch, reason="database unavailable", origin=origin)
    return run_id


async def test_a_spill_replayed_into_another_database_is_refused_and_writes_nothing(
    db_dsn: str, other_dsn: str, tmp_path: Path
) -> None:
    spill = tmp_path / "run-1.jsonl"
    source = await create_pool(db_dsn, min_size=1, max_size=2)
    target = await create_pool(other_dsn, min_size=1, max_size=2)
    try:
        run_id = await _spill_of_a_run(source, spill)
        async with target.acquire() as conn:  # the other database has an unrelated run with that id
            unrelated = (await ScrapeRunsRepository(conn).create(trigger="other")).id
        assert unrelated == run_id
        report = await replay_spill_file(target, spill)
        async with target.acquire() as conn:
            rows = await conn.fetchval("SELECT count(*) FROM event_scrape_status")
            events = await conn.fetchval("SELECT count(*) FROM competitor_events")
            run = await ScrapeRunsRepository(conn).get(run_id=unrelated)
    finally:
        await source.close()
        await target.close()
    assert report.batches == 0 and sorted(report.errors) == [1, 2]
    assert all("was spilled from database" in e and "--force-new-run" in e for e in report.errors.values())
    assert rows == 0 and events == 0
    assert run is not None and run.status.value == "running" and run.error is None  # untouched


async def test_force_new_run_stores_a_foreign_spill_into_a_fresh_run_that_says_so(
    db_dsn: str, other_dsn: str, tmp_path: Path
) -> None:
    spill = tmp_path / "run-1.jsonl"
    source = await create_pool(db_dsn, min_size=1, max_size=2)
    try:
        run_id = await _spill_of_a_run(source, spill)
    finally:
        await source.close()
    argv = ["-m", "oddsstore", "replay", str(spill), "--dsn", other_dsn, "--force-new-run"]
    done = await asyncio.create_subprocess_exec(sys.executable, *argv, cwd=ROOT, stdout=PIPE, stderr=PIPE)
    out, err = await done.communicate()
    assert done.returncode == 0, err.decode()
    report = orjson.loads(out)
    fresh = report["new_runs"][str(run_id)]
    target = await asyncpg.connect(other_dsn)
    try:
        run = await ScrapeRunsRepository(target).get(run_id=fresh)
        rows = await target.fetchval(_STATUS_ROWS, fresh)
    finally:
        await target.close()
    assert report["batches"] == 2 and rows == 10
    assert run is not None and run.trigger == "replay" and run.status.value == "partial"
    assert run.error == (
        f"created by replay of run {run_id}'s spilled batches"
        "; replay of run-1.jsonl: 2 of 2 spilled batch(es) stored"
    )
    assert (run.events_scraped + run.events_failed) == 10


async def test_a_spill_of_another_run_with_the_same_id_is_refused(
    pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    spill = tmp_path / "run-1.jsonl"
    run_id = await _spill_of_a_run(pool, spill, batches=1)
    text = spill.read_bytes()
    record = orjson.loads(text)
    record["origin"]["run_started_at"] = "2020-01-01T00:00:00+00:00"  # the database was rebuilt since
    spill.write_bytes(orjson.dumps(record) + b"\n")
    report = await replay_spill_file(pool, spill)
    assert report.batches == 0 and list(report.errors) == [1]
    assert f"run {run_id} here started at" in report.errors[1] and "not the same run" in report.errors[1]


async def test_a_replay_of_the_right_run_says_on_the_run_what_it_stored(
    pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    spill = tmp_path / "run-1.jsonl"
    run_id = await _spill_of_a_run(pool, spill)
    first = await replay_spill_file(pool, spill)
    async with pool.acquire() as conn:
        run = await ScrapeRunsRepository(conn).get(run_id=run_id)
    again = await replay_spill_file(pool, spill)
    async with pool.acquire() as conn:
        after = await ScrapeRunsRepository(conn).get(run_id=run_id)
    assert first.batches == 2 and not first.errors and first.events_stored == 10
    assert run is not None and run.status.value == "partial"
    assert run.error == "2 batch(es) not stored; replay of run-1.jsonl: 2 of 2 spilled batch(es) stored"
    assert again.events_stored == 0 and after == run  # twice: the same


async def test_an_older_observation_never_moves_event_facts_back(pool: asyncpg.Pool[Any]) -> None:
    newer_at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    older_at = newer_at - timedelta(hours=5)
    newer = make_batch(3, events=4, markets_per_snapshot=3, now=newer_at)
    older = make_batch(3, events=4, markets_per_snapshot=3, now=older_at)  # same events, kickoffs 5 h earlier
    async with pool.acquire() as conn:
        runs = ScrapeRunsRepository(conn)
        first, late = (await runs.create(trigger="test")).id, (await runs.create(trigger="test")).id
        await store_batch(conn, newer, first)
        kept = await conn.fetch(_EVENTS)
        kept_competitors = await conn.fetch(_COMPETITORS)
        await store_batch(conn, older, late)  # a spill of an older run, replayed late
        after = await conn.fetch(_EVENTS)
        after_competitors = await conn.fetch(_COMPETITORS)
        observed = await conn.fetchval("SELECT min(observed_at) FROM events")
        latest = make_batch(3, events=4, markets_per_snapshot=3, now=newer_at + timedelta(hours=1))
        await store_batch(conn, latest, (await runs.create(trigger="test")).id)
        moved = await conn.fetch(_EVENTS)
    assert kept and [tuple(r) for r in after] == [tuple(r) for r in kept]
    assert [tuple(r) for r in after_competitors] == [tuple(r) for r in kept_competitors]
    assert observed == newer_at
    assert all(m["kickoff"] == k["kickoff"] + timedelta(hours=1) for m, k in zip(moved, kept, strict=True))
