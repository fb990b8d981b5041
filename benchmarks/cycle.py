"""Benchmark of a whole scrape cycle against the simulator (run out of process), with and without storage.

    python benchmarks/cycle.py [--events 1300] [--time-scale 1.0] [--rss-events 5200] [--no-rss]

The simulator runs as its own process (``oddsstore simulator``) with production latencies multiplied by
``--time-scale``; the clients keep production limits (BetPawa 50, SportyBet 50, Bet9ja 15 in flight),
with Bet9ja's 25 ms pacing scaled like the latencies. PostgreSQL is ``ODDSSTORE_BENCH_DSN`` or a
private embedded server. Each measured cycle runs in a child process of its own so that its peak RSS
(``ru_maxrss``) is its own.

``bound_s`` is what the sites' limits allow, as the issue defines it: per site, event requests x mean
latency / concurrency plus pacing (requests x the minimum interval), the largest site, plus the
cycle's discovery time. ``bound_strict_s`` uses the tighter max(concurrency, pacing) per site instead
of their sum. Mean latencies come from the simulator's latency profiles (the mean of its lognormal,
times the time scale); request counts from its stats endpoint. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import orjson

from oddsstore.cli._simproc import SimulatorProcess, simulator_process
from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.db import apply_migrations, create_pool
from oddsstore.devtools.simulator import DEFAULT_LATENCY
from oddsstore.models import ALL_PLATFORMS, Platform
from oddsstore.progress import CycleComplete, EventScraped, ProgressEvent
from oddsstore.storage.storer import NullStorer

BENCH_DSN_ENV = "ODDSSTORE_BENCH_DSN"
SCRIPT = Path(__file__).resolve()
BET9JA_PACING_S = 0.025


def client_settings(urls: dict[Platform, str], time_scale: float) -> ClientSettings:
    return ClientSettings.for_base_urls(urls).with_site(
        Platform.BET9JA, min_interval_s=BET9JA_PACING_S * time_scale
    )


# --- one cycle, in a child process ------------------------------------------------------------------


async def child(dsn: str, urls: dict[Platform, str], time_scale: float, store: bool) -> dict[str, Any]:
    pool = await create_pool(dsn, min_size=2, max_size=4)
    last: ProgressEvent | None = None
    last_scraped = 0.0
    try:
        async with open_clients(client_settings(urls, time_scale)) as clients:
            coordinator = EventCoordinator(
                clients, CoordinatorSettings(trigger="bench"), storer=None if store else NullStorer()
            )
            start = time.perf_counter()
            async with contextlib.aclosing(coordinator.run_full_cycle(pool)) as progress:
                async for event in progress:
                    last = event
                    if isinstance(event, EventScraped):
                        last_scraped = time.perf_counter()
            wall = time.perf_counter() - start
    finally:
        await pool.close()
    if not isinstance(last, CycleComplete):
        raise SystemExit(f"the cycle did not complete: {last}")
    found = coordinator.discovery
    return {
        "discovery_errors": {p.value: i.error for p, i in found.sites.items() if i.error} if found else {},
        "cycle_s": last.total_ms / 1000,
        "wall_s": round(wall, 3),
        "discovery_s": last.discovery_ms / 1000,
        "tail_after_last_scrape_s": round(start + wall - last_scraped, 3),
        "status": last.status,
        "events": last.events_total,
        "snapshots": last.snapshots_created,
        "markets": last.markets_stored,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpu_s": round(time.process_time(), 2),
    }


async def run_child(dsn: str, sim: SimulatorProcess, time_scale: float, store: bool) -> dict[str, Any]:
    argv = [
        sys.executable,
        str(SCRIPT),
        "--child",
        "--dsn",
        dsn,
        "--urls",
        orjson.dumps({p.value: u for p, u in sim.base_urls.items()}).decode(),
        "--time-scale",
        repr(time_scale),
    ]
    if not store:
        argv.append("--no-store")
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"child cycle failed with status {proc.returncode}")
    result: dict[str, Any] = orjson.loads(out.strip().splitlines()[-1])
    return result


# --- the bound ----------------------------------------------------------------------------------------


def mean_latency_s(platform: Platform, time_scale: float) -> float:
    profile = DEFAULT_LATENCY[platform]
    return profile.p50_ms * math.exp(profile.sigma**2 / 2) * time_scale / 1000


def bound(
    event_requests: dict[Platform, int], settings: ClientSettings, time_scale: float, discovery_s: float
) -> dict[str, Any]:
    per_site: dict[str, dict[str, float]] = {}
    for platform in ALL_PLATFORMS:
        site = settings.site(platform)
        n = event_requests.get(platform, 0)
        concurrency_s = n * mean_latency_s(platform, time_scale) / site.concurrency
        pacing_s = n * site.min_interval_s
        per_site[platform.value] = {
            "requests": n,
            "mean_latency_ms": round(mean_latency_s(platform, time_scale) * 1000, 1),
            "concurrency_s": round(concurrency_s, 3),
            "pacing_s": round(pacing_s, 3),
        }
    issue = max(s["concurrency_s"] + s["pacing_s"] for s in per_site.values()) + discovery_s
    strict = max(max(s["concurrency_s"], s["pacing_s"]) for s in per_site.values()) + discovery_s
    return {"bound_s": round(issue, 3), "bound_strict_s": round(strict, 3), "sites": per_site}


async def measure(dsn: str, events: int, time_scale: float, store_modes: tuple[bool, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with simulator_process(events=events, time_scale=time_scale) as sim:
        for store in store_modes:
            before = (await sim.stats())["sites"]
            result = await run_child(dsn, sim, time_scale, store)
            after = (await sim.stats())["sites"]
            result["event_requests"] = {
                p.value: after[p.value]["requests"].get("event", 0)
                - before[p.value]["requests"].get("event", 0)
                for p in ALL_PLATFORMS
            }
            result["peak_in_flight"] = {p.value: after[p.value]["peak_in_flight"] for p in ALL_PLATFORMS}
            out["store" if store else "no_store"] = result
            print(f"# {events} events, storage {'on' if store else 'off'}: {orjson.dumps(result).decode()}")
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        dsn = os.environ.get(BENCH_DSN_ENV)
        if not dsn:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from oddsstore.devtools.embedded import embedded_postgres

                dsn = await stack.enter_async_context(embedded_postgres())
        await apply_migrations(dsn)
        base = await measure(dsn, args.events, args.time_scale, (True, False))
        stored, bare = base["store"], base["no_store"]
        requests = {Platform(k): v for k, v in stored["event_requests"].items()}
        settings = client_settings({p: "http://127.0.0.1" for p in ALL_PLATFORMS}, args.time_scale)
        limits = bound(requests, settings, args.time_scale, stored["discovery_s"])
        print(f"# bound: {orjson.dumps(limits).decode()}")
        big: dict[str, Any] | None = None
        if not args.no_rss:
            big = (await measure(dsn, args.rss_events, args.time_scale, (True,)))["store"]
    result = {
        "cycle_s": stored["cycle_s"],
        "bound_s": limits["bound_s"],
        "ratio_to_bound": round(stored["cycle_s"] / limits["bound_s"], 3),
        "storage_overlap_ratio": round(stored["cycle_s"] / bare["cycle_s"], 3),
        "peak_rss_mb": stored["peak_rss_mb"],
        "events": stored["events"],
        "bound_strict_s": limits["bound_strict_s"],
        "ratio_to_strict_bound": round(stored["cycle_s"] / limits["bound_strict_s"], 3),
        "cycle_no_store_s": bare["cycle_s"],
        "time_scale": args.time_scale,
    }
    if big is not None:
        result.update(
            rss_events=big["events"],
            rss_peak_mb=big["peak_rss_mb"],
            rss_growth=round(big["peak_rss_mb"] / stored["peak_rss_mb"], 3),
            rss_cycle_s=big["cycle_s"],
        )
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1300)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--rss-events", type=int, default=5200)
    parser.add_argument("--no-rss", action="store_true", help="skip the large board (RSS growth) run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    parser.add_argument("--no-store", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.child:
        tune_gc()  # as the oddsstore commands do (see oddsstore/cli/_tuning.py)
        urls = {Platform(k): v for k, v in orjson.loads(arguments.urls).items()}
        outcome = asyncio.run(child(arguments.dsn, urls, arguments.time_scale, not arguments.no_store))
    else:
        outcome = asyncio.run(main(arguments))
    print(orjson.dumps(outcome).decode())
