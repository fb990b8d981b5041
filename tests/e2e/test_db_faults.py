"""Database faults: a backend killed mid-store, a stuck query, an outage shorter and longer than a cycle.

Real PostgreSQL throughout; the outage is a loopback relay (``fault_kit.Relay``) in front of the test's
database that the test cuts and restores, so the shared server never stops.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from cycle_checks import check_order, run_rows
from fault_kit import relay_to, run_cycle, settings_for, simulator

from oddsstore.cli.cycle import run_cycle as cli_cycle
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.cycle.host import default_storer
from oddsstore.db import create_pool
from oddsstore.devtools.batches import make_batch
from oddsstore.models import ALL_PLATFORMS, Platform, RunStatus, ScrapeBatch, StoreResult
from oddsstore.progress import BatchComplete, CycleComplete, CycleFailed
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.replay import replay_spill_file
from oddsstore.storage.retrying import RetryingStorer, StorerPolicy
from oddsstore.storage.spill import SpilledBatch, read_batches
from oddsstore.storage.storer import DEFERRED

FAST = StorerPolicy(retry_pause_s=0.02, backoff_base_s=0.05, backoff_max_s=0.2, flush_timeout_s=0.5)


async def _wait_for_lock_waiter(admin: asyncpg.Connection[Any], timeout_s: float = 10.0) -> int:
    """The pid of the oddsstore backend waiting on a lock (the store the test holds back)."""
    async with asyncio.timeout(timeout_s):
        while True:
            pid = await admin.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'oddsstore'"
                " AND wait_event_type = 'Lock' AND datname = current_database() LIMIT 1"
            )
            if pid is not None:
                return int(pid)
            await asyncio.sleep(0.01)


async def _hold_status_table(admin: asyncpg.Connection[Any]) -> Any:
    """Open a transaction that locks ``event_scrape_status``: a store blocks on its last statement."""
    tx = admin.transaction()
    await tx.start()
    await admin.execute("LOCK TABLE event_scrape_status IN ACCESS EXCLUSIVE MODE")
    return tx


async def test_a_backend_terminated_mid_store_is_retried_on_a_new_connection_and_stored_once(
    pool: asyncpg.Pool[Any], db_dsn: str, run_id: int
) -> None:
    batch = make_batch(3, events=12, markets_per_snapshot=20)
    storer = RetryingStorer(pool, store_batch, policy=FAST)
    admin = await asyncpg.connect(db_dsn)
    try:
        tx = await _hold_status_table(admin)
        storing = asyncio.create_task(storer.store(batch, run_id))
        victim = await _wait_for_lock_waiter(admin)  # the store's transaction is open, rows written
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", victim)
        await tx.rollback()
        result = await asyncio.wait_for(storing, 20)
        rows = await run_rows(admin, run_id)
        backends = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'oddsstore' AND pid = $1", victim
        )
    finally:
        await admin.close()
    assert result is not DEFERRED
    assert storer.retries == 1 and storer.last_error is not None
    assert backends == 0  # the retry ran on another backend
    assert result.events_stored == rows.status_rows == len(batch.events)
    assert result.snapshots_created == rows.snapshots == 12 * 3
    assert result.markets_stored == rows.markets == 12 * 3 * 20
    again = await storer.store(batch, run_id)  # the same batch once more writes nothing
    assert (again.events_stored, again.snapshots_created, again.markets_stored) == (0, 0, 0)
    async with pool.acquire() as conn:
        assert await run_rows(conn, run_id) == rows


async def test_a_stuck_store_times_out_the_cycle_completes_and_no_connection_leaks(
    db_dsn: str, tmp_path: Path
) -> None:
    pool = await create_pool(db_dsn, min_size=1, max_size=4, statement_timeout_ms=300)
    admin = await asyncpg.connect(db_dsn)
    try:
        async with simulator(30) as sim:
            await run_cycle(sim, pool)  # warm: the pool opens what a cycle needs
            before = (pool.get_size(), pool.get_idle_size())
            tx = await _hold_status_table(admin)
            storer = RetryingStorer(
                pool,
                store_batch,
                spill_dir=tmp_path,
                policy=StorerPolicy(
                    attempts=2,
                    retry_pause_s=0.01,
                    backoff_base_s=0.05,
                    backoff_max_s=0.1,
                    flush_timeout_s=0.5,
                ),
            )
            _, events = await asyncio.wait_for(run_cycle(sim, pool, storer=storer), 60)
            after = (pool.get_size(), pool.get_idle_size())
            await tx.rollback()
        done = events[-1]
        assert isinstance(done, CycleFailed), done
        assert "statement timeout" in done.error and "spilled to" in done.error
        assert storer.last_error is not None and "QueryCanceledError" in storer.last_error
        # every connection back in the pool (a store cancelled at the end had its connection terminated,
        # never handed back with a query pending: the pool opens a new one when it needs it)
        assert after[0] == after[1] and after[0] <= before[0]
        run = await ScrapeRunsRepository(admin).get(run_id=done.run_id)
        assert run is not None and run.status is RunStatus.FAILED and run.error == done.error
        assert (await run_rows(admin, done.run_id)).status_rows == 0
        spill = tmp_path / f"run-{done.run_id}.jsonl"
        lines = list(read_batches(spill))
        assert len(lines) == storer.spilled == 3  # 30 events in batches of 10
        assert all(isinstance(x, SpilledBatch) and x.scrape_run_id == done.run_id for x in lines)
        assert all("could not be finalized" not in x.reason for x in lines if isinstance(x, SpilledBatch))
    finally:
        await admin.close()
        await pool.close()


def _late_store(relay: Any, outage_s: float | None) -> Any:
    """A store function that cuts the relay on the first batch (restoring it ``outage_s`` later)."""
    cut = asyncio.Event()

    async def store(conn: Any, batch: ScrapeBatch, run_id: int) -> StoreResult:
        if not cut.is_set():
            cut.set()
            await relay.cut()
            if outage_s is not None:
                asyncio.get_running_loop().call_later(
                    outage_s, lambda: asyncio.ensure_future(relay.restore())
                )
        return await store_batch(conn, batch, run_id)

    return store


async def test_an_outage_shorter_than_the_cycle_holds_batches_back_and_stores_them_all(
    db_dsn: str, pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    async with relay_to(db_dsn) as relay:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=4)
        try:
            storer = RetryingStorer(
                relayed,
                _late_store(relay, 0.4),
                spill_dir=tmp_path,
                policy=StorerPolicy(
                    retry_pause_s=0.02, backoff_base_s=0.05, backoff_max_s=0.2, flush_timeout_s=20
                ),
            )
            async with simulator(40) as sim:
                coord, events = await asyncio.wait_for(run_cycle(sim, relayed, storer=storer), 60)
        finally:
            await relayed.close()
    check_order(events)
    done = events[-1]
    assert isinstance(done, CycleComplete) and done.status == "completed"
    assert storer.stored_late >= 1 and storer.retries >= 1 and storer.spilled == 0
    assert not await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    assert sum(isinstance(e, BatchComplete) for e in events) == 4
    assert coord.discovery is not None
    async with pool.acquire() as conn:
        rows = await run_rows(conn, done.run_id)
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert rows.status_rows == rows.distinct_events == done.events_total == len(coord.discovery.targets)
    assert (done.snapshots_created, done.markets_stored) == (rows.snapshots, rows.markets)
    assert run is not None and run.status is RunStatus.COMPLETED
    assert (run.events_scraped, run.snapshots_created, run.markets_stored) == (
        rows.completed,
        rows.snapshots,
        rows.markets,
    )


async def _replay(dsn: str, path: Path) -> tuple[int, dict[str, Any], str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oddsstore",
        "replay",
        str(path),
        "--dsn",
        dsn,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, orjson.loads(out.decode().strip().splitlines()[-1]), err.decode()


async def test_an_outage_longer_than_the_cycle_spills_every_batch_and_replay_stores_them_once(
    db_dsn: str, pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    async with relay_to(db_dsn) as relay:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=4)
        try:
            storer = RetryingStorer(relayed, _late_store(relay, None), spill_dir=tmp_path, policy=FAST)
            async with simulator(40) as sim:
                coord, events = await asyncio.wait_for(run_cycle(sim, relayed, storer=storer), 60)
        finally:
            await relay.restore()  # so the pool can close cleanly
            await relayed.close()
    done = events[-1]
    assert isinstance(done, CycleFailed), done
    assert "4 batch(es) not stored" in done.error and "spilled to" in done.error
    spill = tmp_path / f"run-{done.run_id}.jsonl"
    lines = [x for x in read_batches(spill) if isinstance(x, SpilledBatch)]
    assert [x.batch.batch_index for x in lines] == [0, 1, 2, 3]
    # spilled before the run row was tried, so the lines carry the cycle's reason and where they belong
    assert all(x.reason and x.origin is not None and x.origin.started_at is not None for x in lines)
    async with pool.acquire() as conn:
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
        assert run is not None and run.status is RunStatus.RUNNING  # nobody could write its end
        assert (await run_rows(conn, done.run_id)).status_rows == 0

    with spill.open("ab") as handle:  # a damaged line in the middle must not stop the rest
        handle.write(b'{"scrape_run_id": "x", "batch": {}}\n')
    with spill.open("ab") as handle:
        handle.write(spill.read_bytes().splitlines()[0] + b"\n")  # a duplicate of line 1

    code, first, err = await _replay(db_dsn, spill)
    assert code == 1 and list(first["errors"]) == ["5"] and "line 5" in err
    assert first["batches"] == 5
    assert coord.discovery is not None
    async with pool.acquire() as conn:
        rows = await run_rows(conn, done.run_id)
        run = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert first["events_stored"] == rows.status_rows == rows.distinct_events == len(coord.discovery.targets)
    assert (first["snapshots_created"], first["markets_stored"]) == (rows.snapshots, rows.markets)
    # every spilled batch is in: the run says so (partial: the cycle itself ended early)
    assert run is not None and run.status is RunStatus.PARTIAL and run.finished_at is not None
    assert run.error is not None and "finalized by replay" in run.error
    assert run.error.endswith(f"replay of {spill.name}: 5 of 5 spilled batch(es) stored")
    assert (run.events_scraped, run.events_failed, run.snapshots_created, run.markets_stored) == (
        rows.completed,
        rows.failed,
        rows.snapshots,
        rows.markets,
    )
    assert first["runs"][str(done.run_id)]["markets_stored"] == rows.markets

    code, second, _ = await _replay(db_dsn, spill)  # twice: nothing written twice
    assert code == 1 and second["batches"] == 5
    assert (second["events_stored"], second["snapshots_created"], second["markets_stored"]) == (0, 0, 0)
    async with pool.acquire() as conn:
        assert await run_rows(conn, done.run_id) == rows
        again = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert again is not None and again.error == run.error and again.markets_stored == rows.markets


async def test_a_pooled_connection_killed_while_idle_is_replaced_for_the_next_batch(
    db_dsn: str, run_id: int
) -> None:
    pool = await create_pool(db_dsn, min_size=1, max_size=1)
    admin = await asyncpg.connect(db_dsn)
    try:
        async with pool.acquire() as conn:
            idle_pid = await conn.fetchval("SELECT pg_backend_pid()")
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", idle_pid)
        storer = RetryingStorer(pool, store_batch, policy=FAST)
        batch = make_batch(4, events=5, markets_per_snapshot=10)
        result = await storer.store(batch, run_id)
        rows = await run_rows(admin, run_id)
    finally:
        await admin.close()
        await pool.close()
    # at once, as the soak does: the pool may notice the dead connection itself (no retry), or hand it out
    # and fail its BEGIN (InternalClientError or a closed connection: one retry on a new connection)
    assert result is not DEFERRED and storer.retries <= 1
    assert result.events_stored == rows.status_rows == 5 and result.markets_stored == rows.markets == 150


async def test_a_full_backlog_spills_its_oldest_batch_so_memory_stays_bounded(
    db_dsn: str, pool: asyncpg.Pool[Any], run_id: int, tmp_path: Path
) -> None:
    batches = [
        make_batch(7, events=4, markets_per_snapshot=5, first_index=100 * i, batch_index=i) for i in range(3)
    ]
    async with relay_to(db_dsn) as relay:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=2)
        try:
            await relay.cut()
            policy = StorerPolicy(attempts=1, max_pending=1, backoff_base_s=0.05, flush_timeout_s=0.2)
            storer = RetryingStorer(relayed, store_batch, spill_dir=tmp_path, policy=policy)
            results = [await storer.store(b, run_id) for b in batches]
            assert storer.unsaved == 1 and storer.spilled == 2  # batches 0 and 1 made room for 2
            await storer.drain(None)
            assert await storer.spill_remaining("the cycle ended") == 1
        finally:
            await relay.restore()
            await relayed.close()
    assert all(r is DEFERRED for r in results)
    lines = [x for x in read_batches(tmp_path / f"run-{run_id}.jsonl") if isinstance(x, SpilledBatch)]
    assert [x.batch.batch_index for x in lines] == [0, 1, 2]
    assert [x.reason.split(" (")[0] for x in lines[:2]] == [
        "backlog full while the database is unavailable"
    ] * 2
    assert lines[2].reason == "the cycle ended"
    report = await replay_spill_file(pool, tmp_path / f"run-{run_id}.jsonl")
    async with pool.acquire() as conn:
        rows = await run_rows(conn, run_id)
    assert report.batches == 3 and not report.errors
    assert (
        report.events_stored == rows.status_rows == 12 and report.markets_stored == rows.markets == 12 * 3 * 5
    )


async def test_the_cycle_command_says_where_unsaved_batches_went(
    db_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = await asyncpg.connect(db_dsn)
    try:
        tx = await _hold_status_table(admin)  # every store blocks and hits the statement timeout
        async with simulator(20) as sim:
            code = await cli_cycle(
                db_dsn,
                settings_for(sim),
                ALL_PLATFORMS,
                CoordinatorSettings(batch_size=10),
                spill_dir=tmp_path,
                statement_timeout_ms=200,
                policy=StorerPolicy(attempts=1, backoff_base_s=0.05, flush_timeout_s=0.3),
            )
        await tx.rollback()
        run = await admin.fetchrow("SELECT id, status, error FROM scrape_runs ORDER BY id DESC LIMIT 1")
    finally:
        await admin.close()
    err = capsys.readouterr().err
    assert run is not None
    spill = tmp_path / f"run-{run['id']}.jsonl"
    assert code == 1 and run["status"] == "failed" and "statement timeout" in run["error"]
    assert f"2 batch(es) spilled to {spill}" in err and f"oddsstore replay {spill}" in err
    assert "statement timeout" in err


async def test_a_cycle_without_its_own_storer_spills_where_the_settings_say(
    pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    class _NoSite:
        platform = Platform.BETPAWA

    clients: Any = {Platform.BETPAWA: _NoSite()}
    kept = default_storer(EventCoordinator(clients, CoordinatorSettings(spill_dir=tmp_path)), pool)
    assert kept.spill_path(7) == tmp_path / "run-7.jsonl"
    assert default_storer(EventCoordinator(clients), pool).spill_path(7) is None
