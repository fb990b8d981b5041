"""Benchmark of the comparison reads over 48 hours of history of the 1,300-event board.

    python benchmarks/reads.py [--cycles 576] [--drift 0.05] [--reps 40] [--clients 20]

Builds a database holding ``--cycles`` 5-minute cycles (576: 48 hours, ending now) of the 1,300-event
board (``make_batch``: 50 events a batch, 26 batches, 3 sites, 167 markets each) with a share
``--drift`` of all markets moving every cycle: the first cycle through ``store_batch``, the rest in
bulk (``benchmarks/_reads_data.py``). Every kickoff lies 1-72 h after the window. The build is checked
against the generator's own state: ``current_odds`` equals it and the latest history state per key
(a sample of events), the history holds no row that repeats the state before it, every run has its
snapshots and status rows, and ``OddsRepository.as_of`` at random runs gives the markets the
generator held then. The board's projection (``board_events``) is then written for every event as
``store_batch`` writes it (50 sportradar ids a transaction: ``projection_s``), and the board read from
it must equal the board computed from ``current_odds`` (every event since the history's start). Then
the closed days of the history are compacted as ``oddsstore run``'s daily maintenance does
(``compact_s``), before every check.

Then, warm, p50/p95 over ``--reps`` calls: ``ComparisonRepository.board()`` (CORE, every upcoming
event: read from the projection), the same board computed from ``current_odds`` (``board_live``), its
``to_dict()``, ``.event(sportradar_id=...)``, ``.movement(...)`` of 1X2 (3743) over the
48 hours, ``OddsRepository.as_of`` of one event at a random moment (random events), the board's
statements alone (``board_statement``: the projection's, ``board_live_statement``: the live board's
main one; server time and transfer, no Python objects), and
``GET /api/board`` of ``oddsstore.service.create_app`` under ``--clients`` concurrent loopback
clients, as the service ships it (its board cache on), with the cache off (``board_ttl_s=0``:
every request reads, concurrent identical ones share one read), and from one client alone;
``null`` when the app has no such route. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _layouts import drop_database, new_database
from _reads_checks import check_as_of, check_current, check_history
from _reads_data import (
    BATCHES,
    CYCLE,
    board_batches,
    capture_times,
    copy_history,
    drift_cycle,
    event_state,
    later_runs,
    rewrite_current,
    store_first_cycle,
)

from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings
from oddsstore.db import create_pool, load_sql
from oddsstore.models import utcnow
from oddsstore.reads import CORE, ComparisonRepository, OddsRepository
from oddsstore.reads.board_live import live_board
from oddsstore.reads.lines import Catalogue, main_only_keys
from oddsstore.reads.projection import VERSION, refresh_board
from oddsstore.storage.maintenance import maintain

BENCH_DSN_ENV = "ODDSSTORE_BENCH_DSN"
COPY_EVERY = 8  # cycles of history rows per COPY


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _pcts(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return round(statistics.median(samples), 1), round(q[94], 1)


async def build(
    conn: asyncpg.Connection[Any], cycles: int, rate: float, rng: random.Random
) -> dict[str, Any]:
    end = utcnow().replace(second=0, microsecond=0)
    end -= timedelta(minutes=end.minute % 5)
    start = end - (cycles - 1) * CYCLE
    started = time.perf_counter()
    first_run, board = await store_first_cycle(conn, board_batches(end, start), start)
    first_s = time.perf_counter() - started
    problems = await check_current(conn, board, "after the first cycle")
    run_ids = [first_run, *await later_runs(conn, first_run, start, cycles)]
    events = sorted(board.by_event)
    probes = {r: rng.choice(events) for r in rng.sample(range(1, cycles), 5)}  # run index -> event
    expected: dict[int, tuple[str, Any]] = {}
    per_run: dict[int, int] = {}

    def drift(cycles_: range) -> list[tuple[Any, ...]]:  # in a worker thread: the loop keeps copying
        rows: list[tuple[Any, ...]] = []
        for r in cycles_:
            moved = drift_cycle(board, rng, rate, run_ids[r], capture_times(start, r))
            per_run[run_ids[r]] = len(moved)
            rows += moved
            if r in probes:
                expected[r] = (probes[r], event_state(board, probes[r]))
        return rows

    copying: asyncio.Future[None] | None = None
    for first in range(1, cycles, COPY_EVERY):
        rows = await asyncio.to_thread(drift, range(first, min(first + COPY_EVERY, cycles)))
        if copying is not None:
            await copying
        copying = asyncio.ensure_future(copy_history(conn, rows))
    if copying is not None:
        await copying
    await conn.execute(
        "UPDATE scrape_runs AS r SET history_rows = u.n FROM unnest($1::bigint[], $2::int[]) AS u (id, n)"
        " WHERE r.id = u.id",
        list(per_run),
        list(per_run.values()),
    )
    await rewrite_current(conn, board)
    projection_s = await refresh_projection(conn, events)
    compacted = time.perf_counter()
    days = await maintain(conn, retention_days=0, compact=3, now=utcnow())  # as `run` does daily
    compact_s = time.perf_counter() - compacted
    await conn.execute("VACUUM ANALYZE")
    build_s = time.perf_counter() - started
    problems += await check_current(conn, board, "at the end")
    problems += await check_history(conn, board, rng, run_ids, per_run)
    history_rows = int(await conn.fetchval("SELECT count(*) FROM odds_history"))
    if history_rows != sum(per_run.values()) + len(board.key):
        problems.append(f"{history_rows} history rows, generated {sum(per_run.values()) + len(board.key)}")
    for r, (sr, state) in expected.items():
        problems += await check_as_of(
            conn, sr, capture_times(start, r)[-1] + timedelta(seconds=30), run_ids[r], state
        )
    problems += await check_projection(conn, start)
    return {
        "start": start,
        "end": end + timedelta(seconds=BATCHES * 2),
        "events": events,
        "build_s": round(build_s, 1),
        "first_cycle_s": round(first_s, 1),
        "check_s": round(time.perf_counter() - started - build_s, 1),
        "projection_s": round(projection_s, 1),
        "compact_s": round(compact_s, 1),
        "compacted": list(days.partitions_compacted),
        "history_rows": history_rows,
        "problems": problems,
        "as_of_checked": len(expected),
    }


async def refresh_projection(conn: asyncpg.Connection[Any], events: list[str]) -> float:
    """The board's projection of every event, 50 sportradar ids a transaction as ``store_batch`` does
    (``current_odds`` was written in bulk, past ``store_batch``); the seconds it took."""
    started = time.perf_counter()
    for i in range(0, len(events), 50):
        async with conn.transaction():
            await refresh_board(conn, events[i : i + 50])
    return time.perf_counter() - started


async def check_projection(conn: asyncpg.Connection[Any], start: datetime) -> list[str]:
    """The board read from the projection equals the board computed from ``current_odds``, both
    from the start of the history (every event)."""
    reads = ComparisonRepository(conn)
    projected = await reads.board(kickoff_from=start)
    live = await live_board(conn, CORE, start=start, kickoff_to=None, tournament=None, only_behind=False)
    if projected != live:
        same = sum(a == b for a, b in zip(projected.events, live.events, strict=False))
        return [f"projected board differs from the live one: {same} of {len(live.events)} events equal"]
    return [] if live.events else ["the board is empty"]


async def reuse(conn: asyncpg.Connection[Any]) -> dict[str, Any]:
    """What ``measure`` needs of a database built before (``--database``); nothing is checked."""
    row = await conn.fetchrow("SELECT min(started_at) AS start, max(finished_at) AS end FROM scrape_runs")
    assert row is not None
    events = [r["sportradar_id"] for r in await conn.fetch("SELECT sportradar_id FROM events ORDER BY 1")]
    return {
        "start": row["start"],
        "end": row["end"],
        "events": events,
        "build_s": None,
        "first_cycle_s": None,
        "check_s": None,
        "history_rows": int(await conn.fetchval("SELECT count(*) FROM odds_history")),
        "projection_s": None,
        "compact_s": None,
        "compacted": [],
        "problems": [],
        "as_of_checked": 0,
    }


async def _timed(call: Callable[[], Awaitable[Any]], reps: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        await call()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        await call()
        samples.append(_ms(started))
    return samples


async def measure(
    pool: asyncpg.Pool[Any], built: dict[str, Any], reps: int, rng: random.Random
) -> dict[str, Any]:
    events: list[str] = built["events"]
    start: datetime = built["start"]
    window = (built["end"] - start).total_seconds()
    out: dict[str, Any] = {}
    async with pool.acquire() as conn:
        reads = ComparisonRepository(conn)
        odds = OddsRepository(conn)
        board = await reads.board()
        out["board_events"] = len(board.events)
        out["board_outcomes"] = sum(len(m.outcomes) for e in board.events for m in e.markets)
        timings = {
            "board": await _timed(reads.board, reps),
            "board_live": await _timed(
                lambda: live_board(
                    conn, CORE, start=utcnow(), kickoff_to=None, tournament=None, only_behind=False
                ),
                reps,
            ),
            "event": await _timed(lambda: reads.event(sportradar_id=rng.choice(events)), reps * 3),
            "movement": await _timed(
                lambda: reads.movement(sportradar_id=rng.choice(events), market_id="3743"), reps * 3
            ),
            "as_of": await _timed(
                lambda: odds.as_of(
                    sportradar_id=rng.choice(events), at=start + timedelta(seconds=rng.uniform(0, window))
                ),
                reps * 3,
            ),
        }

        async def to_dict() -> None:
            board.to_dict()

        timings["board_to_dict"] = await _timed(to_dict, reps)
        timings["board_statement"] = await _timed(
            lambda: conn.fetch(
                load_sql("projection/select_board_events"), utcnow(), None, None, VERSION, False
            ),
            reps,
        )
        keys = {
            r["id"]: (r["market_id"], r["line"], r["handicap_type"], r["handicap_home"], r["handicap_away"])
            for r in await conn.fetch(load_sql("reads/select_board_keys"), *_pick_arrays())
        }
        main_only = main_only_keys(Catalogue(keys=keys, shapes={}), CORE)
        timings["board_live_statement"] = await _timed(
            lambda: conn.fetch(
                load_sql("reads/select_board"), utcnow(), None, None, list(keys), main_only, None
            ),
            reps,
        )
    for name, samples in timings.items():
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = _pcts(samples)
    return out


def _pick_arrays() -> tuple[list[str], list[float | None], list[bool]]:
    return [p.market_id for p in CORE], [p.line for p in CORE], [p.line is None for p in CORE]


def _has_board_route(app: web.Application) -> bool:
    return any(
        r.method == "GET" and r.resource is not None and r.resource.canonical == "/api/board"
        for r in app.router.routes()
    )


async def http_board(
    pool: asyncpg.Pool[Any], clients: int, per_client: int, *, ttl_s: float | None = None
) -> dict[str, Any] | None:
    """p50/p95 of ``GET /api/board`` under ``clients`` concurrent clients, ``per_client`` requests each
    (after two each to warm up); ``ttl_s``: the app's board cache (None: as the service ships it).
    None when the app has no such route."""
    from oddsstore.service.api import ReadsSettings
    from oddsstore.service.app import create_app

    reads = None if ttl_s is None else ReadsSettings(board_ttl_s=ttl_s)
    app = create_app(pool, ClientSettings.defaults(), reads=reads)
    if not _has_board_route(app):
        return None
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/api/board"
    samples: list[float] = []
    checked: list[int] = []
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

            async def one(n: int) -> None:
                for _ in range(n):
                    started = time.perf_counter()
                    async with session.get(url) as response:
                        body = await response.read()
                        if response.status != 200:
                            raise SystemExit(f"GET /api/board: HTTP {response.status}: {body[:200]!r}")
                    samples.append(_ms(started))
                    if not checked:  # once: the body is the whole board
                        checked.append(len(orjson.loads(body)["events"]))

            await asyncio.gather(*(one(2) for _ in range(clients)))  # warm
            samples.clear()
            await asyncio.gather(*(one(per_client) for _ in range(clients)))
    finally:
        await runner.cleanup()
    p50, p95 = _pcts(samples)
    return {"p50_ms": p50, "p95_ms": p95, "requests": len(samples), "events": checked}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    async with contextlib.AsyncExitStack() as stack:
        server = os.environ.get(BENCH_DSN_ENV)
        if not server:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from oddsstore.devtools.embedded import embedded_postgres

                server = await stack.enter_async_context(embedded_postgres())
        dsn = args.database or await new_database(server, "oddsstore_reads")
        try:
            conn = await asyncpg.connect(dsn)
            try:
                built = await (reuse(conn) if args.database else build(conn, args.cycles, args.drift, rng))
                db_mb = round(
                    int(await conn.fetchval("SELECT pg_database_size(current_database())")) / 2**20, 1
                )
            finally:
                await conn.close()
            print(
                f"# built in {built['build_s']} s, checked in {built['check_s']} s, "
                f"{built['history_rows']} history rows, {db_mb} MB, problems: {built['problems']}",
                flush=True,
            )
            pool = await create_pool(dsn, min_size=2, max_size=10)
            try:
                figures = await measure(pool, built, args.reps, rng)
                print(f"# {orjson.dumps(figures).decode()}", flush=True)
                http = await http_board(pool, args.clients, args.requests)
                uncached = await http_board(pool, args.clients, args.requests, ttl_s=0.0)
                single = await http_board(pool, 1, args.requests)  # one client: a response alone
            finally:
                await pool.close()
        finally:
            if args.keep or args.database:
                print(f"# database kept: {dsn}", flush=True)
            else:
                await drop_database(server, dsn)
    result: dict[str, Any] = {
        key: figures[key] for key in ("board_p95_ms", "event_p95_ms", "movement_p95_ms", "as_of_p95_ms")
    }
    result["http_board_p95_ms"] = None if http is None else http["p95_ms"]
    result.update(history_rows=built["history_rows"], db_mb=db_mb)
    result.update({k: v for k, v in figures.items() if k not in result})
    if http is not None:
        result.update(
            http_board_p50_ms=http["p50_ms"], http_requests=http["requests"], http_events=http["events"]
        )
    if single is not None:
        result.update(http_board_one_client_p50_ms=single["p50_ms"])
    if uncached is not None:  # the app's board cache off: every request reads (concurrent ones share)
        result.update(
            http_board_uncached_p50_ms=uncached["p50_ms"], http_board_uncached_p95_ms=uncached["p95_ms"]
        )
    result.update(
        build_s=built["build_s"],
        first_cycle_s=built["first_cycle_s"],
        check_s=built["check_s"],
        projection_s=built["projection_s"],
        compact_s=built["compact_s"],
        compacted=built["compacted"],
        cycles=args.cycles,
        drift=args.drift,
        ok=not built["problems"],
        problems=built["problems"],
        as_of_checked=built["as_of_checked"],
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=576)
    parser.add_argument("--drift", type=float, default=0.05)
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="requests per HTTP client")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the database (print its DSN)")
    parser.add_argument("--database", help="measure a database an earlier --keep run built (no build)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    tune_gc()  # as the oddsstore commands do (see oddsstore/cli/_tuning.py)
    print(orjson.dumps(asyncio.run(main(parse_args()))).decode())
