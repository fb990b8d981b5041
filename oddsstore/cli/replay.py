"""``oddsstore replay FILE``: store the batches a cycle spilled while the database was unavailable.

Prints one JSON object (what was stored, bad lines by number, each run's counters). Exit status 0 when
every line was stored, 1 when some line was not (the others are stored), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import orjson

from oddsstore.cli._options import add_dsn, resolve_dsn
from oddsstore.db import create_pool, mask_dsn
from oddsstore.storage.replay import ReplayReport, replay_spill_file


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("replay", help="store the batches of a spill file (exactly once)")
    parser.add_argument("file", type=Path, help="a spill file written by a cycle (JSON lines)")
    add_dsn(parser)
    parser.set_defaults(func=run)


async def replay(dsn: str, path: Path) -> ReplayReport:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        return await replay_spill_file(pool, path)
    finally:
        await pool.close()


def run(args: argparse.Namespace) -> int:
    dsn = resolve_dsn(args)
    if not dsn:
        print("oddsstore replay: no DSN: pass --dsn or set ODDSSTORE_DSN", file=sys.stderr)
        return 2
    path: Path = args.file
    if not path.is_file():
        print(f"oddsstore replay: no such file: {path}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(replay(dsn, path))
    except ConnectionError as exc:  # create_pool's message has the password masked
        print(f"oddsstore replay: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"oddsstore replay: cannot read {path} on {mask_dsn(dsn)}: {exc}", file=sys.stderr)
        return 1
    for line, message in sorted(report.errors.items()):
        print(f"oddsstore replay: {path.name} line {line}: {message}", file=sys.stderr)
    sys.stdout.write(orjson.dumps(report.to_dict()).decode() + "\n")
    return 1 if report.errors else 0
