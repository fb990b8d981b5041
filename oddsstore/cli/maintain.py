"""``oddsstore maintain [--retention-days N] [--days-ahead N] [--compact N]``: create the day partitions
ahead, drop the ones older than the retention (whole partitions; current odds are kept) and compact up
to N closed days of the history (1; the newest not compacted yet)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import asyncpg
import orjson

from oddsstore.cli._options import add_dsn, resolve_dsn
from oddsstore.db import create_pool
from oddsstore.storage.maintenance import (
    DEFAULT_COMPACT,
    DEFAULT_DAYS_AHEAD,
    DEFAULT_RETENTION_DAYS,
    MaintenanceResult,
    maintain,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("maintain", help="create partitions ahead and apply retention")
    parser.add_argument(
        "--retention-days",
        type=int,
        default=DEFAULT_RETENTION_DAYS,
        help=f"keep this many days of runs and history (default {DEFAULT_RETENTION_DAYS}; 0 keeps all)",
    )
    parser.add_argument(
        "--days-ahead",
        type=int,
        default=DEFAULT_DAYS_AHEAD,
        help=f"partitions to create ahead (default {DEFAULT_DAYS_AHEAD})",
    )
    parser.add_argument(
        "--compact",
        type=int,
        default=DEFAULT_COMPACT,
        help=f"closed days of the history to compact, newest first (default {DEFAULT_COMPACT}; 0: none)",
    )
    add_dsn(parser)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(func=run)


def _summary(result: MaintenanceResult) -> str:
    lines = [f"partitions created: {result.partitions_created}"]
    if result.cutoff is None:
        lines.append("retention off: nothing dropped")
    else:
        lines.append(f"cutoff: {result.cutoff.isoformat()}")
        lines.append(f"history rows carried over the cutoff: {result.checkpoint_rows}")
        lines.append(f"partitions dropped: {len(result.partitions_dropped)} ({result.drop_ms:.1f} ms)")
        lines.extend(f"  {name}" for name in result.partitions_dropped)
        lines.append(f"runs deleted: {result.runs_deleted}")
    compacted = len(result.partitions_compacted)
    lines.append(f"history partitions compacted: {compacted} ({result.compact_ms:.1f} ms)")
    lines.extend(f"  {name}" for name in result.partitions_compacted)
    return "\n".join(lines)


async def _maintain(dsn: str, retention_days: int, days_ahead: int, compact: int, as_json: bool) -> int:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            result = await maintain(
                conn, retention_days=retention_days, days_ahead=days_ahead, compact=compact
            )
    finally:
        await pool.close()
    print(orjson.dumps(result.to_dict()).decode() if as_json else _summary(result))
    return 0


def run(args: argparse.Namespace) -> int:
    dsn = resolve_dsn(args)
    if not dsn:
        print("oddsstore maintain: no DSN: pass --dsn or set ODDSSTORE_DSN", file=sys.stderr)
        return 2
    if args.retention_days < 0 or args.days_ahead < 0 or args.compact < 0:
        print(
            "oddsstore maintain: --retention-days, --days-ahead and --compact must be >= 0", file=sys.stderr
        )
        return 2
    try:
        return asyncio.run(_maintain(dsn, args.retention_days, args.days_ahead, args.compact, args.json))
    except (ConnectionError, OSError, asyncpg.PostgresError) as exc:
        print(f"oddsstore maintain: {exc}", file=sys.stderr)
        return 1
