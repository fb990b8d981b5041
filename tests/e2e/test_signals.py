"""Real signals to a real ``oddsstore cycle`` / ``oddsstore serve`` child process, against a real PostgreSQL.

SIGTERM and SIGINT are handled alike: the run is finalized ``stopped by signal``, unsaved batches are
spilled and the command says where, and the exit status is 128 + the signal. A SIGKILLed cycle cannot
do any of that: the next cycle closes its run at once, because its database session is provably gone.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from fault_kit import relay_to, run_cycle
from proc_kit import oddsstore, site_args, slow_simulator

from oddsstore.progress import CycleComplete
from oddsstore.storage.spill import SpilledBatch, read_batches

pytestmark = pytest.mark.slow

_OWNER = "SELECT lock_backend_pid FROM scrape_runs WHERE id = $1"
_ALIVE = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1"


async def _run(admin: asyncpg.Connection[Any], run_id: int) -> Any:
    return await admin.fetchrow("SELECT * FROM scrape_runs WHERE id = $1", run_id)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signalled_cycle_finalizes_its_run_says_so_and_exits_128_plus_the_signal(
    db_dsn: str, tmp_path: Path, sig: signal.Signals
) -> None:
    async with slow_simulator(80) as sim:
        argv = ["cycle", "--dsn", db_dsn, "--json", "--batch-size", "5", "--spill-dir", str(tmp_path)]
        async with oddsstore(*argv, *site_args(sim)) as child:
            batch = await child.wait_for("BATCH_COMPLETE")
            child.proc.send_signal(sig)
            code = await child.finish()
    admin = await asyncpg.connect(db_dsn)
    try:
        run = await _run(admin, batch["run_id"])
        locks = await admin.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
    finally:
        await admin.close()
    assert code == 128 + sig, child.stderr
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert run["error"].startswith(f"stopped by signal ({sig.name})"), run["error"]
    assert run["events_scraped"] < run["events_total"]  # it really stopped early
    assert f"{sig.name} received: stopping" in child.stderr
    assert f"run {batch['run_id']} is marked failed" in child.stderr
    assert "Traceback" not in child.stderr, child.stderr[-4000:]
    assert locks == 0


async def test_sigterm_with_the_database_down_spills_the_backlog_and_says_where(
    db_dsn: str, tmp_path: Path
) -> None:
    async with relay_to(db_dsn) as relay, slow_simulator(80) as sim:
        argv = ["cycle", "--dsn", relay.dsn, "--json", "--batch-size", "5", "--spill-dir", str(tmp_path)]
        async with oddsstore(*argv, *site_args(sim)) as child:
            start = await child.wait_for("CYCLE_START")
            await child.wait_for("BATCH_COMPLETE")
            await relay.cut()  # the database goes away: batches wait in the backlog
            for _ in range(5):  # scraping goes on; the batches it hands over wait in the backlog
                await child.wait_for("BATCH_START")
            child.proc.send_signal(signal.SIGTERM)
            code = await child.finish()
        spill = tmp_path / f"run-{start['run_id']}.jsonl"
        lines = [x for x in read_batches(spill) if isinstance(x, SpilledBatch)]
        await relay.restore()
    assert code == 143, child.stderr
    assert lines, child.stderr  # nothing thrown away
    assert all("stopped by signal (SIGTERM)" in x.reason for x in lines)
    assert f"batch(es) spilled to {spill}" in child.stderr and f"oddsstore replay {spill}" in child.stderr
    # the run row could not be written: the command says so rather than claiming it is marked failed
    assert f"run {start['run_id']} could not be finalized" in child.stderr
    assert "Traceback" not in child.stderr, child.stderr[-4000:]


async def test_a_sigkilled_cycle_is_closed_by_the_next_cycle_at_once(
    db_dsn: str, pool: asyncpg.Pool[Any], tmp_path: Path
) -> None:
    async with slow_simulator(60) as sim:
        argv = ["cycle", "--dsn", db_dsn, "--json", "--batch-size", "5", "--spill-dir", str(tmp_path)]
        async with oddsstore(*argv, *site_args(sim)) as child:
            batch = await child.wait_for("BATCH_COMPLETE")
            child.proc.kill()
            assert await child.finish() == -signal.SIGKILL
        admin = await asyncpg.connect(db_dsn)
        try:
            pid = await admin.fetchval(_OWNER, batch["run_id"])
            async with asyncio.timeout(10):  # the server notices the dead client at once
                while True:
                    if not await admin.fetchval(_ALIVE, pid):
                        break
                    await asyncio.sleep(0.05)
            _, events = await run_cycle(sim, pool)  # seconds later: the old heartbeat is fresh
            killed = await _run(admin, batch["run_id"])
        finally:
            await admin.close()
    assert pid is not None
    assert isinstance(events[-1], CycleComplete), events[-1]
    assert killed["status"] == "failed"
    assert killed["error"].startswith("abandoned") and "session is gone" in killed["error"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_sigterm_to_serve_finalizes_the_running_cycle_and_exits_0(db_dsn: str) -> None:
    port = _free_port()
    async with slow_simulator(80) as sim:
        argv = ["serve", "--dsn", db_dsn, "--port", str(port), "--batch-size", "5"]
        async with oddsstore(*argv, *site_args(sim)) as child, aiohttp.ClientSession() as session:
            base = await child.serving(port)
            async with session.post(f"{base}/cycles", json={}) as response:
                assert response.status == 202
                run_id = (await response.json())["run_id"]
            async with session.get(f"{base}/cycles/{run_id}/events") as response:
                async for raw in response.content:
                    if raw.startswith(b"event: BATCH_COMPLETE"):
                        break
            child.proc.send_signal(signal.SIGTERM)
            code = await child.finish()
    admin = await asyncpg.connect(db_dsn)
    try:
        run = await _run(admin, run_id)
    finally:
        await admin.close()
    assert code == 0, child.stderr
    assert run["status"] == "failed" and run["error"].startswith("stopped by signal (SIGTERM)"), run["error"]
    assert "Traceback" not in child.stderr, child.stderr[-4000:]
