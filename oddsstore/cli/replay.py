"""``oddsstore replay FILE``: store the batches a cycle spilled while the database was unavailable.

Prints one JSON object (what was stored, bad lines by number, each run's counters). Exit status 0 when
every line was stored, 1 when some line was not (the others are stored), 2 on a usage error. Lines
spilled from another database, or from another run with the same id, are refused (nothing written);
``--force-new-run`` stores them into a new run instead.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import orjson

from oddsstore.cli._options import add_dsn, dsn_or_say
from oddsstore.db import create_pool, mask_dsn
from oddsstore.errors import DB_FAILURES, describe
from oddsstore.storage.replay import ReplayReport, replay_spill_file


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("replay", help="store the batches of a spill file (exactly once)")
    parser.add_argument("file", type=Path, help="a spill file written by a cycle (JSON lines)")
    add_dsn(parser)
    parser.add_argument(
        "--force-new-run",
        action="store_true",
        help="store each spilled run into a new run of its own (a file from another database or run)",
    )
    parser.set_defaults(func=run)


async def replay(dsn: str, path: Path, *, force_new_run: bool = False) -> ReplayReport:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        return await replay_spill_file(pool, path, force_new_run=force_new_run)
    finally:
        await pool.close()


def run(args: argparse.Namespace) -> int:
    dsn = dsn_or_say(args, "replay")
    if dsn is None:
        return 2
    path: Path = args.file
    if path.is_dir():
        print(f"oddsstore replay: {path} is a directory: name one spill file (run-ID.jsonl)", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"oddsstore replay: no such file: {path}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(replay(dsn, path, force_new_run=args.force_new_run))
    except ConnectionError as exc:  # create_pool's message has the password masked
        print(f"oddsstore replay: {exc}", file=sys.stderr)
        return 1
    except DB_FAILURES as exc:
        print(f"oddsstore replay: {mask_dsn(dsn)}: {describe(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"oddsstore replay: cannot read {path} on {mask_dsn(dsn)}: {exc}", file=sys.stderr)
        return 1
    for line, message in sorted(report.errors.items()):
        print(f"oddsstore replay: {path.name} line {line}: {message}", file=sys.stderr)
    sys.stdout.write(orjson.dumps(report.to_dict()).decode() + "\n")
    return 1 if report.errors else 0
