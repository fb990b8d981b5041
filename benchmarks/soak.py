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

PostgreSQL is ``ODDSSTORE_BENCH_DSN`` or a private embedded server. The last line printed is one JSON
object; the exit status is 1 if any check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
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
_CONNECTIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
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
                            "connections": await settled_connections(admin, pool.get_size()),
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


async def main(args: argparse.Namespace) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        dsn = os.environ.get(BENCH_DSN_ENV)
        if not dsn:
            from oddsstore.devtools.embedded import embedded_postgres

            dsn = await stack.enter_async_context(embedded_postgres())
        await apply_migrations(dsn)
        return await soak(
            dsn,
            cycles=args.cycles,
            events=args.events,
            time_scale=args.time_scale,
            fault_rate=args.fault_rate,
            batch_size=args.batch_size,
            rss_slack_mb=args.rss_slack_mb,
            kill_every=args.kill_every,
        )


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
    return parser.parse_args(argv)


if __name__ == "__main__":
    result = asyncio.run(main(parse_args()))
    for cycle in result["per_cycle"]:
        print(orjson.dumps(cycle).decode(), file=sys.stderr)
    print(orjson.dumps({k: v for k, v in result.items() if k != "per_cycle"}).decode())
    sys.exit(0 if result["ok"] else 1)
