"""``oddsstore run`` as a real child process against the simulator and a real PostgreSQL.

Three cycles on ``--every 2``, then SIGTERM in the middle of the fourth: exit 0, every run row
finalized, each run's counters equal to its rows, every batch the command reported stored in the
database; ``/metrics`` (parsed with prometheus_client's own parser) against the database's own
counts; ``/healthz`` through a database that goes away and comes back (a relay cut: what a stopped
server does to its clients).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest
from cycle_checks import run_rows
from fault_kit import relay_to
from proc_kit import Child, oddsstore, site_args
from prometheus_client.parser import text_string_to_metric_families

from oddsstore.devtools.simulator import BoardConfig, FaultConfig, Simulator, SimulatorConfig, run_simulator
from oddsstore.models import ALL_PLATFORMS, Platform

pytestmark = pytest.mark.slow

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def _simulator(events: int, time_scale: float, **config: Any) -> AsyncIterator[Simulator]:
    board = BoardConfig(events=events, competitions=4, seed=23)
    async with run_simulator(SimulatorConfig(board=board, time_scale=time_scale, **config)) as sim:
        yield sim


def _parse(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with session.get(url) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


async def _wait_for_run(child: Child, event_type: str, run_id: int, timeout_s: float = 60) -> dict[str, Any]:
    while True:
        event = await child.wait_for(event_type, timeout_s)
        if event["run_id"] == run_id:
            return event


async def _database_figures(conn: asyncpg.Connection[Any], up_to_run: int) -> dict[str, Any]:
    """The database's own counts of runs 1..up_to_run (straight SQL, not the library's)."""
    one = "SELECT count(*) FROM {} WHERE scrape_run_id <= $1"
    competitor = (
        "SELECT c.source, count(*) FROM competitor_odds_snapshots s"
        " JOIN competitor_events c ON c.id = s.competitor_event_id WHERE s.scrape_run_id <= $1 GROUP BY 1"
    )
    failed = (
        "SELECT p.site, count(*) FROM event_scrape_status s"
        " CROSS JOIN LATERAL jsonb_array_elements_text(s.platforms_failed) AS p (site)"
        " WHERE s.scrape_run_id <= $1 GROUP BY 1"
    )
    reasons = (
        "SELECT p.site, split_part(s.error_details ->> p.site, ':', 1) AS reason, count(*)"
        " FROM event_scrape_status s"
        " CROSS JOIN LATERAL jsonb_array_elements_text(s.platforms_failed) AS p (site)"
        " WHERE s.scrape_run_id <= $1 GROUP BY 1, 2"
    )
    discovered = (
        "SELECT d.key, sum(d.value::int) FROM scrape_runs r CROSS JOIN LATERAL jsonb_each_text(r.discovery) d"
        " WHERE r.id <= $1 GROUP BY 1"
    )
    statuses = "SELECT status, count(*) FROM scrape_runs WHERE id <= $1 GROUP BY 1"
    return {
        "status": await conn.fetchval(one.format("event_scrape_status"), up_to_run),
        "history": await conn.fetchval(one.format("odds_history"), up_to_run),
        "betpawa_snapshots": await conn.fetchval(one.format("odds_snapshots"), up_to_run),
        "competitor_snapshots": dict(await conn.fetch(competitor, up_to_run)),
        "failed": dict(await conn.fetch(failed, up_to_run)),
        "reasons": {(r["site"], r["reason"]): r["count"] for r in await conn.fetch(reasons, up_to_run)},
        "discovered": dict(await conn.fetch(discovered, up_to_run)),
        "runs": dict(await conn.fetch(statuses, up_to_run)),
    }


async def test_run_every_2_s_three_cycles_then_sigterm_mid_cycle_finalizes_exits_0_and_metrics_match(
    db_dsn: str, tmp_path: Path
) -> None:
    port = _free_port()
    spill = tmp_path / "spill"
    faults = {Platform.BET9JA: FaultConfig(rate=0.2, kinds=("malformed_json",), endpoints=("event",))}
    async with _simulator(20, 0.005, faults=faults) as sim:
        argv = ["run", "--every", "2", "--dsn", db_dsn, "--json", "--batch-size", "5"]
        argv += ["--spill-dir", str(spill), "--metrics-port", str(port), "--stop-timeout", "10"]
        async with oddsstore(*argv, *site_args(sim)) as child, aiohttp.ClientSession() as session:
            completes = [await child.wait_for("CYCLE_COMPLETE") for _ in range(3)]
            sim.state.time_scale = 2.0  # the fourth cycle is slow: nothing of it is stored for a while
            third = completes[-1]["run_id"]
            base = f"http://127.0.0.1:{port}"
            status, text = await _get(session, f"{base}/metrics")
            assert status == 200
            samples = _parse(text)
            admin: asyncpg.Connection[Any] = await asyncpg.connect(db_dsn)
            try:
                db = await _database_figures(admin, third)
            finally:
                await admin.close()
            health_status, health = await _get(session, f"{base}/healthz")
            start = await child.wait_for("CYCLE_START")
            batch = await _wait_for_run(child, "BATCH_COMPLETE", start["run_id"])
            child.proc.send_signal(signal.SIGTERM)
            code = await child.finish(timeout_s=60)

    # /metrics against the database's own counts of the three cycles
    assert _value(samples, "oddsstore_rows_written_total", table="status") == db["status"] > 0
    assert _value(samples, "oddsstore_rows_written_total", table="history") == db["history"] > 0
    # every history row of a live cycle changes current_odds (added, updated or closed)
    assert _value(samples, "oddsstore_rows_written_total", table="current") == db["history"]
    snapshots = db["betpawa_snapshots"] + sum(db["competitor_snapshots"].values())
    assert _value(samples, "oddsstore_rows_written_total", table="snapshots") == snapshots
    assert _value(samples, "oddsstore_events_scraped_total", site="betpawa") == db["betpawa_snapshots"]
    for site in ("sportybet", "bet9ja"):
        assert (
            _value(samples, "oddsstore_events_scraped_total", site=site) == db["competitor_snapshots"][site]
        )
    for platform in ALL_PLATFORMS:
        site = platform.value
        assert _value(samples, "oddsstore_events_failed_total", site=site) == db["failed"].get(site, 0)
        assert _value(samples, "oddsstore_events_discovered_total", site=site) == db["discovered"][site]
    assert db["failed"]["bet9ja"] > 0  # the faults did fail some events
    for (site, reason), n in db["reasons"].items():  # the event requests that failed, by reason
        assert _value(samples, "oddsstore_site_request_failures_total", site=site, reason=reason) == n
    assert set(db["runs"]) <= {"completed", "partial"}
    for run_status, n in db["runs"].items():
        assert _value(samples, "oddsstore_cycles_total", status=run_status) == n
    assert sum(db["runs"].values()) == 3
    assert _value(samples, "oddsstore_spilled_batches_total") == 0
    assert _value(samples, "oddsstore_maintenance_runs_total", result="ok") == 1
    # /healthz: the last cycle (the third) ended within two intervals and the database answered
    assert health_status == 200, health
    assert health["last_cycle"]["run_id"] == third == health["last_run"]["run_id"]
    assert health["database"] == "ok"

    # the stop: exit 0, every run finalized, counters = rows, every batch reported stored is stored
    assert code == 0, child.stderr[-4000:]
    assert "Traceback" not in child.stderr, child.stderr[-4000:]
    stopped = batch["run_id"]
    admin = await asyncpg.connect(db_dsn)
    try:
        runs = await admin.fetch("SELECT * FROM scrape_runs ORDER BY id")
        rows = {r["id"]: await run_rows(admin, r["id"]) for r in runs}
        locks = await admin.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
    finally:
        await admin.close()
    assert [r["id"] for r in runs] == [*(c["run_id"] for c in completes), stopped]
    for run in runs:
        assert run["status"] != "running" and run["finished_at"] is not None, dict(run)
        counted = rows[run["id"]]
        assert counted.status_rows == run["events_scraped"] + run["events_failed"]
        assert counted.snapshots == run["snapshots_created"]
        assert counted.markets == run["markets_stored"]
        assert counted.history_rows == run["history_rows"]
    last = runs[-1]
    assert last["status"] == "failed" and last["error"].startswith("stopped by signal (SIGTERM)"), last[
        "error"
    ]
    assert last["events_scraped"] + last["events_failed"] < last["events_total"]  # it stopped mid-cycle
    reported = sum(
        e["events_stored"] for e in child.events if e["type"] == "BATCH_COMPLETE" and e["run_id"] == stopped
    )
    # every batch reported stored is there (one whose commit the stop overtook is too, and counted)
    assert rows[stopped].status_rows >= reported > 0
    assert not spill.exists() or not any(spill.iterdir())  # the database was up: nothing spilled
    assert locks == 0


async def _health_until(
    session: aiohttp.ClientSession,
    url: str,
    want: int,
    also: Callable[[dict[str, Any]], bool] = lambda _body: True,
    timeout_s: float = 30,
) -> dict[str, Any]:
    """Poll ``/healthz`` until it answers ``want`` with a body for which ``also`` holds."""
    async with asyncio.timeout(timeout_s):
        while True:
            status, body = await _get(session, url)
            if status == want and also(body):
                return dict(body)
            await asyncio.sleep(0.2)


async def _drain(stream: asyncio.StreamReader | None, sink: list[bytes]) -> None:
    """Keep reading a child's pipe, so that it never blocks writing to a full one."""
    assert stream is not None
    while chunk := await stream.read(65536):
        sink.append(chunk)


async def test_healthz_is_503_while_the_database_is_away_and_200_once_it_is_back(db_dsn: str) -> None:
    port = _free_port()
    async with relay_to(db_dsn) as relay, _simulator(10, 0.003) as sim:
        argv = ["run", "--every", "1", "--dsn", relay.dsn, "--json", "--metrics-port", str(port)]
        argv += ["--flush-timeout", "1", "--stop-timeout", "1"]
        async with oddsstore(*argv, *site_args(sim)) as child, aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/healthz"
            first = await child.wait_for("CYCLE_COMPLETE")
            output: list[bytes] = []
            drains = [asyncio.create_task(_drain(p, output)) for p in (child.proc.stdout, child.proc.stderr)]
            try:
                up = await _health_until(session, url, 200)
                await relay.cut()
                # away until the loop has tried a cycle that could not start
                down = await _health_until(
                    session, url, 503, lambda b: b["last_attempt"]["status"] == "error"
                )
                await relay.restore()
                before = up["last_cycle"]["run_id"]
                back = await _health_until(session, url, 200, lambda b: b["last_cycle"]["run_id"] > before)
            finally:
                for task in drains:
                    task.cancel()
                await asyncio.gather(*drains, return_exceptions=True)
            child.proc.send_signal(signal.SIGTERM)
            code = await child.finish(timeout_s=60)
    assert up["database"] == "ok" and up["last_cycle"]["run_id"] >= first["run_id"]
    assert down["status"] == "unhealthy" and down["database"] != "ok"
    assert any(r.startswith("the database does not answer") for r in down["reasons"]), down
    assert down["last_attempt"]["run_id"] is None  # the loop went on through a cycle that could not start
    # healthy again: the database answers and a cycle after the outage has ended, the one it names
    assert back["database"] == "ok" and back["reasons"] == []
    assert back["last_cycle"]["run_id"] == back["last_run"]["run_id"] > up["last_cycle"]["run_id"]
    assert code == 0, child.stderr[-4000:]


async def test_run_with_max_cycles_and_log_json_logs_json_lines_bound_to_the_run(db_dsn: str) -> None:
    async with _simulator(10, 0.003) as sim:
        argv = ["run", "--every", "1", "--max-cycles", "2", "--dsn", db_dsn, "--json", "--log-json"]
        async with oddsstore(*argv, *site_args(sim)) as child:
            code = await child.finish(timeout_s=60)
    admin: asyncpg.Connection[Any] = await asyncpg.connect(db_dsn)
    try:
        runs = [r["id"] for r in await admin.fetch("SELECT id FROM scrape_runs ORDER BY id")]
    finally:
        await admin.close()
    records = [orjson.loads(line)["record"] for line in child.stderr.splitlines() if line.startswith("{")]
    batch_lines = [r for r in records if r["message"].startswith("batch ")]
    run_lines = [r for r in records if r["message"].startswith("run ")]
    assert code == 0, child.stderr[-4000:]
    assert len(runs) == 2 and [e["run_id"] for e in child.events if e["type"] == "CYCLE_COMPLETE"] == runs
    # every line of the log is a JSON object; the cycles' lines name their run, batch lines their batch
    assert records and all(line.startswith("{") for line in child.stderr.splitlines() if line.strip())
    assert [r["extra"]["run_id"] for r in run_lines] == runs
    assert {r["extra"]["run_id"] for r in batch_lines} == set(runs)
    assert sorted(r["extra"]["batch_index"] for r in batch_lines) == [0, 0]  # 10 events: one batch a cycle


async def test_serve_serves_metrics_and_healthz_for_the_cycles_it_runs(db_dsn: str) -> None:
    port = _free_port()
    async with _simulator(10, 0.003) as sim:
        argv = ["serve", "--dsn", db_dsn, "--port", str(port), "--batch-size", "4"]
        async with oddsstore(*argv, *site_args(sim)) as child, aiohttp.ClientSession() as session:
            base = await child.serving(port)
            async with session.post(f"{base}/cycles", json={}) as response:
                run_id = (await response.json())["run_id"]
            async with session.get(f"{base}/cycles/{run_id}/events") as response:
                async for _ in response.content:
                    pass  # to the terminal event
            _, text = await _get(session, f"{base}/metrics")
            health_status, health = await _get(session, f"{base}/healthz")
            child.proc.send_signal(signal.SIGTERM)
            code = await child.finish()
    samples = _parse(text)
    admin: asyncpg.Connection[Any] = await asyncpg.connect(db_dsn)
    try:
        db = await _database_figures(admin, run_id)
    finally:
        await admin.close()
    assert code == 0, child.stderr[-4000:]
    assert _value(samples, "oddsstore_rows_written_total", table="status") == db["status"] == 10
    assert _value(samples, "oddsstore_rows_written_total", table="history") == db["history"] > 0
    assert _value(samples, "oddsstore_events_scraped_total", site="betpawa") == db["betpawa_snapshots"]
    assert _value(samples, "oddsstore_cycles_total", status="completed") == db["runs"]["completed"] == 1
    assert health_status == 200 and health["last_run"]["run_id"] == run_id == health["last_cycle"]["run_id"]
