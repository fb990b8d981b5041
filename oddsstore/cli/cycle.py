"""``oddsstore cycle``: one full scrape cycle against the real sites (or ``--base-url`` ones).

Progress goes to the log (stderr); ``--json`` prints every progress event as one JSON line on stdout.
Exit status: 0 completed or partial, 1 failed, 2 a bad input (nothing started, no run row), 3 skipped
because another cycle holds the lock, 143 / 130 stopped by SIGTERM / SIGINT (the run is finalized as
``failed`` with ``stopped by signal``; batches not stored in the bounded grace are spilled).

Batches are stored through a ``RetryingStorer``: retried on a new connection, held back while the
database is unavailable, and written to ``--spill-dir`` (``run-<id>.jsonl``) if the cycle ends before it
returns; the command then says where they are and whether the run row could be written
(``oddsstore replay FILE`` stores them later). ``--statement-timeout-ms`` bounds every statement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import asyncpg
from loguru import logger

from oddsstore.cli._options import (
    add_cycle_options,
    add_dsn,
    cycle_inputs,
    non_negative_int,
    positive_float,
)
from oddsstore.cli._signals import run_stoppable, signal_exit_code
from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.cycle.host import StopRequest
from oddsstore.db import MigrationError, apply_migrations, create_pool, mask_dsn
from oddsstore.errors import DB_FAILURES, describe
from oddsstore.models import Platform
from oddsstore.progress import (
    BatchComplete,
    CycleComplete,
    CycleFailed,
    CycleSkipped,
    DiscoveryComplete,
    ProgressEvent,
    QueueBuilt,
)
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.retrying import RetryingStorer, StorerPolicy
from oddsstore.storage.spill import check_writable

EXIT_FAILED = 1
DEFAULT_STATEMENT_TIMEOUT_MS = 60_000
EXIT_SKIPPED = 3
#: How long the command waits for the database to say how a stopped run ended, and to close the pool.
_GOODBYE_TIMEOUT_S = 3.0


class NotMigrated(Exception):
    """The database has no oddsstore schema."""


async def check_schema(pool: asyncpg.Pool[Any]) -> None:
    """Raise :class:`NotMigrated` unless the database has the oddsstore tables."""
    async with pool.acquire() as conn:
        if await conn.fetchval("SELECT to_regclass('scrape_runs')") is None:
            raise NotMigrated("the database has no oddsstore schema: run `oddsstore migrate` (or --migrate)")


def add_storage_options(parser: argparse.ArgumentParser) -> None:
    """What a command that runs cycles and stores them takes besides the cycle options (``cycle`` and
    ``run``): ``--migrate``, ``--spill-dir``, ``--statement-timeout-ms``, ``--flush-timeout``, ``--json``."""
    parser.add_argument("--migrate", action="store_true", help="apply migrations first")
    parser.add_argument(
        "--spill-dir",
        type=Path,
        default=Path("oddsstore-spill"),
        help="where batches that cannot be stored are written (default: ./oddsstore-spill)",
    )
    parser.add_argument(
        "--statement-timeout-ms",
        type=non_negative_int,
        default=DEFAULT_STATEMENT_TIMEOUT_MS,
        help=f"statement_timeout of every connection (default {DEFAULT_STATEMENT_TIMEOUT_MS}; 0: none)",
    )
    parser.add_argument(
        "--flush-timeout",
        type=positive_float,
        default=StorerPolicy().flush_timeout_s,
        help="seconds the end of a cycle waits for an unavailable database before spilling (default 60)",
    )
    parser.add_argument("--json", action="store_true", help="print every progress event as a JSON line")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("cycle", help="run one full scrape cycle and store it")
    add_dsn(parser)
    add_cycle_options(parser)
    add_storage_options(parser)
    parser.set_defaults(func=run)


def log_progress(event: ProgressEvent) -> None:
    """One log line for the events a person watching a cycle cares about."""
    if isinstance(event, DiscoveryComplete):
        sites = ", ".join(
            f"{site} {info['events']}" + (f" (error: {info['error']})" if info.get("error") else "")
            for site, info in event.sites.items()
        )
        logger.info("discovery: {} merged events in {} ms; {}", event.merged_total, event.elapsed_ms, sites)
    elif isinstance(event, QueueBuilt):
        logger.info(
            "queue: {} events in {} batches; by urgency {}", event.events, event.batches, event.by_urgency
        )
    elif isinstance(event, BatchComplete):
        logger.info(
            "batch {}: {} events, {} failed, {} snapshots, {} markets (scrape {} ms, store {} ms)",
            event.batch_index,
            event.events,
            event.events_failed,
            event.snapshots_created,
            event.markets_stored,
            event.scrape_ms,
            event.store_ms,
        )
    elif isinstance(event, CycleComplete):
        logger.info(
            "run {} {}: {}/{} events scraped, {} failed, {} snapshots, {} markets in {:.1f} s",
            event.run_id,
            event.status,
            event.events_scraped,
            event.events_total,
            event.events_failed,
            event.snapshots_created,
            event.markets_stored,
            event.total_ms / 1000,
        )
    elif isinstance(event, CycleFailed):
        logger.error("run {} failed: {}", event.run_id, event.error)
    elif isinstance(event, CycleSkipped):
        logger.warning("cycle skipped: {}", event.reason)


def exit_code(last: ProgressEvent | None) -> int:
    if isinstance(last, CycleSkipped):
        return EXIT_SKIPPED
    if isinstance(last, CycleComplete) and last.status != "failed":
        return 0
    return EXIT_FAILED


async def run_cycle(
    dsn: str,
    settings: ClientSettings,
    platforms: tuple[Platform, ...],
    coordinator_options: CoordinatorSettings,
    *,
    migrate: bool = False,
    as_json: bool = False,
    spill_dir: Path | None = None,
    statement_timeout_ms: int | None = DEFAULT_STATEMENT_TIMEOUT_MS,
    policy: StorerPolicy | None = None,
) -> int:
    if migrate:
        await apply_migrations(dsn)
    pool = await create_pool(dsn, min_size=2, max_size=4, statement_timeout_ms=statement_timeout_ms)
    last: ProgressEvent | None = None
    run_id: int | None = None
    storer: RetryingStorer | None = None
    try:
        await check_schema(pool)
        logger.info("cycle on {} for {}", mask_dsn(dsn), ", ".join(p.value for p in platforms))
        async with open_clients(settings, platforms=platforms) as clients:
            coordinator = EventCoordinator(clients, coordinator_options)
            storer = RetryingStorer(pool, coordinator.store_batch_results, spill_dir=spill_dir, policy=policy)
            coordinator.storer = storer
            async with contextlib.aclosing(coordinator.run_full_cycle(pool)) as progress:
                try:
                    async for event in progress:
                        last = event
                        run_id = getattr(event, "run_id", None) or run_id
                        log_progress(event)
                        if as_json:
                            sys.stdout.write(event.to_json().decode() + "\n")
                            sys.stdout.flush()
                except asyncio.CancelledError as exc:
                    stop = exc.args[0] if exc.args and isinstance(exc.args[0], StopRequest) else None
                    if stop is not None:
                        # the stop reaches the cycle even if it came while this loop was not waiting on
                        # it; the run is finalized (through any cancellation) before this returns
                        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                            await progress.athrow(exc)
                        if storer is not None:
                            report_unsaved(storer)
                            storer = None
                        await say_how_it_ended(pool, run_id, stop.reason)
                    raise
    finally:
        try:
            await asyncio.wait_for(pool.close(), _GOODBYE_TIMEOUT_S)
        except DB_FAILURES:  # TimeoutError is one
            pool.terminate()
        if storer is not None:
            report_unsaved(storer)
    return exit_code(last)


async def say_how_it_ended(pool: asyncpg.Pool[Any], run_id: int | None, reason: str) -> None:
    """After a stop: one line saying how the run row really ended (read back from the database)."""
    if run_id is None:
        print(f"oddsstore cycle: {reason} before a run started", file=sys.stderr)
        return
    try:
        async with asyncio.timeout(_GOODBYE_TIMEOUT_S), pool.acquire() as conn:
            run = await ScrapeRunsRepository(conn).get(run_id=run_id)
    except DB_FAILURES as exc:
        run = None
        why = describe(exc)
    else:
        why = "no such run"
    if run is not None and run.status.value != "running":
        print(f"oddsstore cycle: {reason}: run {run_id} is marked {run.status.value}", file=sys.stderr)
    else:
        print(
            f"oddsstore cycle: {reason}: run {run_id} could not be finalized ({why}); it stays "
            "'running' until the next cycle closes it (or `oddsstore replay` of its spill file)",
            file=sys.stderr,
        )


def report_unsaved(storer: RetryingStorer) -> None:
    """Say on stderr where spilled batches are and why (including a run row that could not be written)."""
    for path in sorted(storer.spill_files):
        print(
            f"oddsstore cycle: {storer.spilled} batch(es) spilled to {path}: {storer.spill_reason}; "
            f"store them with: oddsstore replay {path}",
            file=sys.stderr,
        )
    if storer.lost:
        print(
            f"oddsstore cycle: {storer.lost} batch(es) LOST (no spill file could be written)", file=sys.stderr
        )


def run(args: argparse.Namespace) -> int:
    inputs = cycle_inputs(args, "cycle")
    if inputs is None:
        return 2
    dsn, settings, platforms, options = inputs.dsn, inputs.settings, inputs.platforms, inputs.options
    if args.spill_dir is not None:
        try:
            check_writable(args.spill_dir)
        except OSError as exc:
            print(f"oddsstore cycle: --spill-dir {args.spill_dir} cannot be written: {exc}", file=sys.stderr)
            return 2
    tune_gc()

    async def main() -> int:
        code, stopped = await run_stoppable(
            run_cycle(
                dsn,
                settings,
                platforms,
                options,
                migrate=args.migrate,
                as_json=args.json,
                spill_dir=args.spill_dir,
                statement_timeout_ms=args.statement_timeout_ms or None,
                policy=StorerPolicy(flush_timeout_s=args.flush_timeout),
            ),
            "cycle",
        )
        return signal_exit_code(stopped.signum) if stopped.signum is not None else (code or 0)

    try:
        return asyncio.run(main())
    except (ConnectionError, MigrationError, NotMigrated) as exc:  # messages without the password
        print(f"oddsstore cycle: {exc}", file=sys.stderr)
        return 1
