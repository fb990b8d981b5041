"""``oddsstore status RUN_ID``: a run, its status rows by outcome, and failures by site and reason."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson

from oddsstore.cli._options import add_dsn, dsn_or_say, run_id
from oddsstore.db import create_pool
from oddsstore.errors import DB_FAILURES, describe
from oddsstore.service.reports import format_report, load_report


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help="show a scrape run and its per-event status")
    parser.add_argument("run_id", type=run_id, help="the scrape run's id")
    add_dsn(parser)
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.set_defaults(func=run)


async def _status(dsn: str, run_id: int, as_json: bool) -> int:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            if await conn.fetchval("SELECT to_regclass('scrape_runs')") is None:
                print(
                    "oddsstore status: the database has no oddsstore schema (oddsstore migrate)",
                    file=sys.stderr,
                )
                return 1
            report = await load_report(conn, run_id)
    except DB_FAILURES as exc:
        print(f"oddsstore status: reading run {run_id} failed: {describe(exc)}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    if report is None:
        print(f"oddsstore status: no scrape run {run_id}", file=sys.stderr)
        return 1
    print(orjson.dumps(report.to_dict()).decode() if as_json else format_report(report))
    return 0


def run(args: argparse.Namespace) -> int:
    dsn = dsn_or_say(args, "status")
    if dsn is None:
        return 2
    try:
        return asyncio.run(_status(dsn, args.run_id, args.json))
    except ConnectionError as exc:
        print(f"oddsstore status: {exc}", file=sys.stderr)
        return 1
