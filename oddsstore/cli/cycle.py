"""``oddsstore cycle``: one full scrape cycle against the real sites (or ``--base-url`` ones).

Progress goes to the log (stderr); ``--json`` prints every progress event as one JSON line on stdout.
Exit status: 0 completed or partial, 1 failed, 3 skipped because another cycle holds the lock.

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

from loguru import logger

from oddsstore.cli._options import add_cycle_options, add_dsn, cycle_inputs
from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings, open_clients
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.db import apply_migrations, create_pool, mask_dsn
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
from oddsstore.storage.retrying import RetryingStorer, StorerPolicy

EXIT_FAILED = 1
DEFAULT_STATEMENT_TIMEOUT_MS = 60_000
EXIT_SKIPPED = 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("cycle", help="run one full scrape cycle and store it")
    add_dsn(parser)
    add_cycle_options(parser)
    parser.add_argument("--migrate", action="store_true", help="apply migrations first")
    parser.add_argument(
        "--spill-dir",
        type=Path,
        default=Path("oddsstore-spill"),
        help="where batches that cannot be stored are written (default: ./oddsstore-spill)",
    )
    parser.add_argument(
        "--statement-timeout-ms",
        type=int,
        default=DEFAULT_STATEMENT_TIMEOUT_MS,
        help=f"statement_timeout of every connection (default {DEFAULT_STATEMENT_TIMEOUT_MS}; 0: none)",
    )
    parser.add_argument(
        "--flush-timeout",
        type=float,
        default=StorerPolicy().flush_timeout_s,
        help="seconds the end of a cycle waits for an unavailable database before spilling (default 60)",
    )
    parser.add_argument("--json", action="store_true", help="print every progress event as a JSON line")
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
    storer: RetryingStorer | None = None
    try:
        async with open_clients(settings, platforms=platforms) as clients:
            coordinator = EventCoordinator(clients, coordinator_options)
            storer = RetryingStorer(pool, coordinator.store_batch_results, spill_dir=spill_dir, policy=policy)
            coordinator.storer = storer
            async with contextlib.aclosing(coordinator.run_full_cycle(pool)) as progress:
                async for event in progress:
                    last = event
                    log_progress(event)
                    if as_json:
                        sys.stdout.write(event.to_json().decode() + "\n")
                        sys.stdout.flush()
    finally:
        await pool.close()
        if storer is not None:
            report_unsaved(storer)
    return exit_code(last)


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
    tune_gc()
    logger.info("cycle on {} for {}", mask_dsn(dsn), ", ".join(p.value for p in platforms))
    try:
        return asyncio.run(
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
            )
        )
    except ConnectionError as exc:
        print(f"oddsstore cycle: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("oddsstore cycle: interrupted; the run is marked failed", file=sys.stderr)
        return 130
