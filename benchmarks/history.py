"""Benchmark of change-only odds storage over several cycles of the simulator's board.

    python benchmarks/history.py [--events 1300] [--cycles 6] [--drifts 0.10,0.02] [--time-scale 0.05]

For each drift rate, ``--cycles`` whole scrape cycles run through the production path
(``EventCoordinator.run_full_cycle``: discovery, scraping, parsing, batches) against the simulator
(its own process, latencies scaled by ``--time-scale``), with ``POST /_sim/advance`` between cycles so
that a share ``drift`` of every site's markets moves. The batches each cycle hands to storage are kept
(in the spill format) and then stored one by one, on a quiet event loop, by ``store_batch`` into the
change-only database (under the cycle's run) and, as full snapshots, into a second database kept at
0001's layout by the previous release's ``store_batch`` (``benchmarks/_full_layout.py``: validation,
event upserts, snapshots, ``COPY`` of every market as a row with JSON outcomes, status rows).
Storing after the cycle rather than inside it keeps the timings of both layouts free of the scraping
that shares the event loop during a cycle.

Figures per drift rate (medians over the cycles after the first, which stores everything once):

- ``mb_per_cycle`` / ``full_mb_per_cycle``: growth of all tables with their indexes per cycle, change-only
  database / full-snapshot database; ``reduction`` = full / change-only;
- ``history_rows_per_cycle``: rows written to ``odds_history`` per cycle (``StoreResult.history_rows``);
- ``bytes_per_history_row``: the history partitions with their indexes over the rows they hold;
- ``store_ms_per_batch`` / ``full_store_ms_per_batch``: median time of one batch's store, each layout;
- ``drop_partition_ms``: dropping the day partitions that hold the run's history (retention, after
  the checkpoint of the state they carry, timed on its own as ``retention_ms``);
- ``peak_rss_mb``: this process (the cycle; the simulator runs apart).

``GB/day`` at one cycle every 5 minutes is ``mb_per_cycle * 288 / 1024``. The last line is one JSON
object: the figures at the first drift rate, with every rate under ``by_drift``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _full_layout import store_full_snapshot
from _layouts import TABLE_BYTES, drop_database, new_database

from oddsstore.cli._simproc import SimulatorProcess, simulator_process
from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.db import create_pool
from oddsstore.models import Platform, ScrapeBatch, StoreResult, utcnow
from oddsstore.progress import CycleComplete, ProgressEvent
from oddsstore.storage.batch import store_batch
from oddsstore.storage.maintenance import maintain
from oddsstore.storage.serialization import batch_from_dict, batch_to_dict, dumps, loads

BENCH_DSN_ENV = "ODDSSTORE_BENCH_DSN"
BET9JA_PACING_S = 0.025

_HISTORY_BYTES = """
SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = 'odds_history'
"""


class RecordingStorer:
    """Keeps each batch the cycle hands over in a file (the spill format) and stores nothing, so both
    layouts can then store the very same batches one after the other on a quiet event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.batches = 0

    async def store(self, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult:
        with self.path.open("ab") as out:
            out.write(dumps(batch_to_dict(batch)) + b"\n")
        self.batches += 1
        snapshots = sum(1 for e in batch.events for r in e.results if r.odds is not None)
        return StoreResult(events_stored=len(batch.events), snapshots_created=snapshots, markets_stored=0)


def _batches(path: Path) -> Iterator[ScrapeBatch]:
    with path.open("rb") as lines:
        for line in lines:
            yield batch_from_dict(loads(line))


async def _advance(sim: SimulatorProcess) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(sim.control_url + "/_sim/advance") as response,
    ):
        response.raise_for_status()


def _settings(urls: dict[Platform, str], time_scale: float) -> ClientSettings:
    return ClientSettings.for_base_urls(urls).with_site(
        Platform.BET9JA, min_interval_s=BET9JA_PACING_S * time_scale
    )


async def _bytes(conn: asyncpg.Connection[Any], query: str = TABLE_BYTES) -> int:
    return int(await conn.fetchval(query))


async def one_drift(
    server: str, sim: SimulatorProcess, drift: float, cycles: int, time_scale: float
) -> dict[str, Any]:
    await sim.configure({"drift_rate": drift})
    history_dsn = await new_database(server, "oddsstore_hist")
    full_dsn = await new_database(server, "oddsstore_full", full_layout=True)
    pool = await create_pool(history_dsn, min_size=2, max_size=4)
    full = await asyncpg.connect(full_dsn)
    hist = await asyncpg.connect(history_dsn)
    per_cycle: list[dict[str, Any]] = []
    spill = Path(tempfile.mkdtemp(prefix="oddsstore-bench-history-")) / "batches.jsonl"
    try:
        for cycle in range(cycles):
            if cycle:
                await _advance(sim)
            spill.unlink(missing_ok=True)
            recorder = RecordingStorer(spill)
            async with open_clients(_settings(sim.base_urls, time_scale)) as clients:
                coordinator = EventCoordinator(
                    clients, CoordinatorSettings(trigger="bench-history"), storer=recorder
                )
                last: ProgressEvent | None = None
                started = time.perf_counter()
                async with contextlib.aclosing(coordinator.run_full_cycle(pool)) as progress:
                    async for event in progress:
                        last = event
                wall = time.perf_counter() - started
            if not isinstance(last, CycleComplete):
                raise SystemExit(f"cycle {cycle} did not complete: {last}")
            run_id = last.run_id
            full_run = await full.fetchval("INSERT INTO scrape_runs (trigger) VALUES ('bench') RETURNING id")
            before = (await _bytes(hist), await _bytes(full))
            store_ms: list[float] = []
            full_ms: list[float] = []
            markets = history_rows = 0
            for batch in _batches(spill):
                gc.collect()
                start = time.perf_counter()
                result = await store_batch(hist, batch, run_id)
                store_ms.append((time.perf_counter() - start) * 1000)
                markets += result.markets_stored
                history_rows += result.history_rows
                gc.collect()
                start = time.perf_counter()
                await store_full_snapshot(full, batch, full_run)
                full_ms.append((time.perf_counter() - start) * 1000)
            await hist.execute("VACUUM ANALYZE current_odds")  # as autovacuum would between cycles
            after = (await _bytes(hist), await _bytes(full))
            row = {
                "cycle": cycle,
                "cycle_s": round(wall, 2),
                "markets": markets,
                "history_rows": history_rows,
                "mb": round((after[0] - before[0]) / 2**20, 2),
                "full_mb": round((after[1] - before[1]) / 2**20, 2),
                "store_ms_per_batch": round(statistics.median(store_ms), 1),
                "full_store_ms_per_batch": round(statistics.median(full_ms), 1),
                "batches": len(store_ms),
            }
            per_cycle.append(row)
            print(f"# drift {drift}: {orjson.dumps(row).decode()}", flush=True)
        history_bytes = await _bytes(hist, _HISTORY_BYTES)
        history_count = int(await hist.fetchval("SELECT count(*) FROM odds_history"))
        later = per_cycle[1:] or per_cycle
        started = time.perf_counter()
        # one day of history dropped: retention at a time that puts today's partitions past the cut
        retention = await maintain(hist, retention_days=30, now=utcnow() + timedelta(days=31))
        retention_ms = (time.perf_counter() - started) * 1000
        assert any(name.startswith("odds_history_") for name in retention.partitions_dropped)
        mb = statistics.median(r["mb"] for r in later)
        full_mb = statistics.median(r["full_mb"] for r in later)
        return {
            "drift": drift,
            "full_mb_per_cycle": round(full_mb, 2),
            "mb_per_cycle": round(mb, 2),
            "reduction": round(full_mb / mb, 1) if mb > 0 else None,
            "history_rows_per_cycle": statistics.median(r["history_rows"] for r in later),
            "bytes_per_history_row": round(history_bytes / history_count, 1),
            "store_ms_per_batch": round(statistics.median(r["store_ms_per_batch"] for r in later), 1),
            "full_store_ms_per_batch": round(
                statistics.median(r["full_store_ms_per_batch"] for r in later), 1
            ),
            "drop_partition_ms": round(retention.drop_ms, 1),
            "retention_ms": round(retention_ms, 1),
            "checkpoint_rows": retention.checkpoint_rows,
            "gb_per_day_at_5_min": round(mb * 288 / 1024, 2),
            "full_gb_per_day_at_5_min": round(full_mb * 288 / 1024, 2),
            "markets_per_cycle": statistics.median(r["markets"] for r in later),
            "first_cycle_mb": per_cycle[0]["mb"],
            "cycles": cycles,
        }
    finally:
        shutil.rmtree(spill.parent, ignore_errors=True)
        await hist.close()
        await full.close()
        await pool.close()
        await drop_database(server, history_dsn)
        await drop_database(server, full_dsn)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    drifts = [float(x) for x in args.drifts.split(",")]
    async with contextlib.AsyncExitStack() as stack:
        server = os.environ.get(BENCH_DSN_ENV)
        if not server:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from oddsstore.devtools.embedded import embedded_postgres

                server = await stack.enter_async_context(embedded_postgres())
        by_drift = []
        for drift in drifts:
            async with simulator_process(events=args.events, time_scale=args.time_scale) as sim:
                by_drift.append(await one_drift(server, sim, drift, args.cycles, args.time_scale))
            print(f"# {orjson.dumps(by_drift[-1]).decode()}", flush=True)
    first = dict(by_drift[0])
    first["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    first["events"] = args.events
    first["time_scale"] = args.time_scale
    first["by_drift"] = by_drift
    return first


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1300)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--drifts", default="0.10,0.02")
    parser.add_argument("--time-scale", type=float, default=0.05)
    return parser.parse_args(argv)


if __name__ == "__main__":
    tune_gc()
    print(orjson.dumps(asyncio.run(main(parse_args()))).decode())
