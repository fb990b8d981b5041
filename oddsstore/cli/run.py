"""``oddsstore run --every SECONDS``: cycles on a schedule, unattended, with metrics and health.

One cycle per interval, start to start (an overrun is followed at once, never overlapped); maintenance
(partitions ahead, retention ``--retention-days``) before the first cycle and once a day; a cycle that
cannot start (the database down) is logged and counted and the next one tries again. ``--metrics-port``
serves ``/metrics`` (Prometheus) and ``/healthz`` on ``--metrics-host`` (127.0.0.1 by default).

SIGTERM or SIGINT: no new cycle; the running one stops taking work, gets ``--stop-timeout`` seconds
(30) to store the batches it holds back, spills the rest and finalizes its run ``failed`` with
``stopped by signal (SIGTERM)``; the command exits 0. A second signal ends that deadline at once (the
run is still finalized). ``--log-json`` writes the log as one JSON object a line, each with the running
cycle's ``run_id`` (and ``batch_index`` on batch lines) in ``record.extra``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

import attrs
from aiohttp import web
from loguru import logger

from oddsstore.cli._options import (
    CycleInputs,
    add_cycle_options,
    add_dsn,
    cycle_inputs,
    non_negative_int,
    positive_float,
    positive_int,
)
from oddsstore.cli._signals import run_stoppable
from oddsstore.cli._tuning import tune_gc
from oddsstore.cli.cycle import (
    NotMigrated,
    add_storage_options,
    check_schema,
    log_progress,
)
from oddsstore.cycle.metrics import CycleMetrics
from oddsstore.cycle.schedule import Scheduler, ScheduleSettings
from oddsstore.db import MigrationError, apply_migrations, create_pool, mask_dsn
from oddsstore.errors import DB_FAILURES
from oddsstore.progress import BatchComplete, ProgressEvent
from oddsstore.service.health import create_health_app
from oddsstore.storage.maintenance import DEFAULT_RETENTION_DAYS
from oddsstore.storage.retrying import StorerPolicy
from oddsstore.storage.spill import check_writable

DEFAULT_STOP_TIMEOUT_S = 30.0
_GOODBYE_TIMEOUT_S = 3.0


class MetricsAddressError(Exception):
    """``--metrics-host``/``--metrics-port`` cannot be listened on."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("run", help="run cycles on a schedule, with /metrics and /healthz")
    parser.add_argument(
        "--every", type=positive_float, required=True, metavar="SECONDS", help="interval, start to start"
    )
    parser.add_argument(
        "--max-cycles", type=positive_int(), default=None, metavar="N", help="stop after N cycles"
    )
    parser.add_argument(
        "--metrics-port", type=positive_int(65535), default=None, help="serve /metrics and /healthz here"
    )
    parser.add_argument(
        "--metrics-host", default="127.0.0.1", help="address of /metrics and /healthz (default loopback)"
    )
    parser.add_argument(
        "--stop-timeout",
        type=positive_float,
        default=DEFAULT_STOP_TIMEOUT_S,
        help=f"seconds a stopped cycle may still store what it holds (default {DEFAULT_STOP_TIMEOUT_S:g}; "
        "at most --flush-timeout)",
    )
    parser.add_argument(
        "--retention-days",
        type=non_negative_int,
        default=DEFAULT_RETENTION_DAYS,
        help=f"maintenance keeps this many days (default {DEFAULT_RETENTION_DAYS}; 0 keeps all)",
    )
    add_dsn(parser)
    add_cycle_options(parser)
    add_storage_options(parser)
    parser.add_argument("--log-json", action="store_true", help="log one JSON object a line (stderr)")
    parser.set_defaults(func=run, trigger="schedule")


def log_json(level: str, scheduler: Callable[[], Scheduler | None]) -> None:
    """The log as one JSON object a line on stderr, every record with the running cycle's run id."""

    def bind_run(record: Any) -> None:
        current = scheduler()
        record["extra"].setdefault("run_id", current.run_id if current is not None else None)

    logger.remove()
    logger.configure(patcher=bind_run)
    logger.add(sys.stderr, level=level, serialize=True, diagnose=False, backtrace=False)


def _on_event(as_json: bool) -> Callable[[ProgressEvent], None]:
    def seen(event: ProgressEvent) -> None:
        if isinstance(event, BatchComplete):
            with logger.contextualize(run_id=event.run_id, batch_index=event.batch_index):
                log_progress(event)
        else:
            log_progress(event)
        if as_json:
            sys.stdout.write(event.to_json().decode() + "\n")
            sys.stdout.flush()

    return seen


async def run_schedule(args: argparse.Namespace, inputs: CycleInputs, holder: list[Scheduler]) -> int:
    if args.migrate:
        await apply_migrations(inputs.dsn)
    statement_timeout = args.statement_timeout_ms or None
    pool = await create_pool(inputs.dsn, min_size=2, max_size=5, statement_timeout_ms=statement_timeout)
    site: web.AppRunner | None = None
    try:
        await check_schema(pool)
        metrics = CycleMetrics()
        settings = ScheduleSettings(
            every_s=args.every, max_cycles=args.max_cycles, retention_days=args.retention_days
        )
        scheduler = Scheduler(
            pool,
            inputs.settings,
            settings,
            coordinator_settings=attrs.evolve(inputs.options, spill_dir=args.spill_dir),
            platforms=inputs.platforms,
            storer_policy=StorerPolicy(flush_timeout_s=args.flush_timeout),
            metrics=metrics,
            on_event=_on_event(args.json),
        )
        holder.append(scheduler)
        if args.metrics_port is not None:
            site = web.AppRunner(create_health_app(pool, metrics, args.every), access_log=None)
            await site.setup()
            try:
                await web.TCPSite(site, args.metrics_host, args.metrics_port).start()
            except OSError as exc:  # the address is taken, or not ours
                where = f"{args.metrics_host}:{args.metrics_port}"
                raise MetricsAddressError(f"cannot listen on {where}: {exc.strerror or exc}") from None
            where = f"http://{args.metrics_host}:{args.metrics_port}"
            print(f"oddsstore run: {where}/metrics and {where}/healthz", file=sys.stderr)
        logger.info(
            "a cycle every {:g} s on {} for {}",
            args.every,
            mask_dsn(inputs.dsn),
            ", ".join(p.value for p in inputs.platforms),
        )
        await scheduler.run()
        return 0
    finally:
        if site is not None:
            await site.cleanup()
        try:
            await asyncio.wait_for(pool.close(), _GOODBYE_TIMEOUT_S)
        except DB_FAILURES:  # TimeoutError is one
            pool.terminate()


def run(args: argparse.Namespace) -> int:
    inputs = cycle_inputs(args, "run")
    if inputs is None:
        return 2
    try:
        check_writable(args.spill_dir)
    except OSError as exc:
        print(f"oddsstore run: --spill-dir {args.spill_dir} cannot be written: {exc}", file=sys.stderr)
        return 2
    holder: list[Scheduler] = []
    if args.log_json:
        log_json("DEBUG" if args.verbose else "INFO", lambda: holder[0] if holder else None)
    tune_gc()

    def hurry() -> None:
        if holder:
            holder[0].hurry()

    async def main() -> int:
        code, stopped = await run_stoppable(
            run_schedule(args, inputs, holder), "run", grace_s=args.stop_timeout, on_again=hurry
        )
        if stopped.signum is not None:
            print(f"oddsstore run: {stopped.reason}: done", file=sys.stderr)
            return 0
        return code or 0

    try:
        return asyncio.run(main())
    except (ConnectionError, MigrationError, NotMigrated) as exc:  # messages without the password
        print(f"oddsstore run: {exc}", file=sys.stderr)
        return 1
    except MetricsAddressError as exc:
        print(f"oddsstore run: {exc}", file=sys.stderr)
        return 1
