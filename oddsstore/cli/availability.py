"""``oddsstore availability [--hours 24] [--json]``: per site and UTC hour, the events asked for,
returned and failed, and the top failure reasons, read from the status rows.

The window is the last ``--hours`` hours counted in whole hours (the current one included). ``--json``
prints one JSON object: ``{"since", "hours": [{"hour", "site", "requested", "scraped", "failed",
"top_reasons": [{"reason", "events"}]}]}``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta
from typing import Any

import orjson

from oddsstore.cli._options import add_dsn, dsn_or_say, positive_int
from oddsstore.db import create_pool, scrub_dsn_secrets
from oddsstore.errors import DB_FAILURES, describe
from oddsstore.models import utcnow
from oddsstore.repositories.scrape_status import ScrapeStatusRepository, SiteHour

#: At most a retention's worth of hours (the status rows older than that are gone anyway).
MAX_HOURS = 24 * 366


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "availability", help="per site and hour: events requested, scraped, failed"
    )
    parser.add_argument(
        "--hours", type=positive_int(MAX_HOURS), default=24, help="hours to show, the current one included"
    )
    parser.add_argument("--top", type=positive_int(20), default=3, help="failure reasons shown (default 3)")
    add_dsn(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def window_start(now: datetime, hours: int) -> datetime:
    """The start of the UTC hour ``hours - 1`` hours before ``now``'s."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)


def table(rows: list[SiteHour], top: int) -> str:
    head = f"{'hour (UTC)':<16} {'site':<10} {'requested':>9} {'scraped':>8} {'failed':>7} {'failed%':>8}"
    lines = [f"{head}  top failure reasons"]
    for row in rows:
        share = f"{100 * row.failed / row.requested:.1f}%" if row.requested else "-"
        reasons = ", ".join(f"{reason} {n}" for reason, n in row.reasons[:top])
        lines.append(
            f"{row.hour:%Y-%m-%d %H:%M} {row.site:<10} {row.requested:>9} {row.scraped:>8} {row.failed:>7} "
            f"{share:>8}  {reasons}"
        )
    return "\n".join(lines)


async def _availability(dsn: str, since: datetime) -> list[SiteHour]:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            return await ScrapeStatusRepository(conn).availability(since=since)
    finally:
        await pool.close()


def run(args: argparse.Namespace) -> int:
    dsn = dsn_or_say(args, "availability")
    if dsn is None:
        return 2
    since = window_start(utcnow(), args.hours)
    try:
        rows = asyncio.run(_availability(dsn, since))
    except DB_FAILURES as exc:
        print(f"oddsstore availability: {scrub_dsn_secrets(describe(exc), dsn)}", file=sys.stderr)
        return 1
    if args.json:
        body = {"since": since.isoformat(), "hours": [row.to_dict(args.top) for row in rows]}
        print(orjson.dumps(body).decode())
    elif not rows:
        print(f"no status rows since {since:%Y-%m-%d %H:%M} UTC")
    else:
        print(table(rows, args.top))
    return 0
