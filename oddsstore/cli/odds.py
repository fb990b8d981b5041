"""``oddsstore odds SR_ID [--at ISO8601] [--site SITE] [--json]``: an event's markets on each site, now
or as the sites returned them at their latest run at or before a moment."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from typing import Any

import orjson

from oddsstore.cli._options import UsageError, add_dsn, parse_at, parse_platform, resolve_dsn
from oddsstore.db import create_pool
from oddsstore.models import ALL_PLATFORMS, Market, Platform
from oddsstore.reads.odds import OddsRepository, SiteOdds


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("odds", help="an event's odds per site, now or as of a moment")
    parser.add_argument("sportradar_id", help="the event's SportRadar id, e.g. sr:match:12345")
    parser.add_argument("--at", default=None, help="ISO 8601 moment (default: now); naive means UTC")
    parser.add_argument("--site", default=None, help="only this site (betpawa, sportybet, bet9ja)")
    add_dsn(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object on one line")
    parser.set_defaults(func=run)


def _market_dict(m: Market) -> dict[str, Any]:
    return {
        "market_id": m.market_id,
        "market_name": m.market_name,
        "line": m.line,
        "handicap_type": m.handicap_type,
        "handicap_home": m.handicap_home,
        "handicap_away": m.handicap_away,
        "outcomes": [{"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in m.outcomes],
    }


def to_json(sportradar_id: str, at: datetime | None, sites: dict[Platform, SiteOdds]) -> dict[str, Any]:
    return {
        "sportradar_id": sportradar_id,
        "at": None if at is None else at.isoformat(),
        "sites": {
            p.value: {
                "run_id": s.scrape_run_id,
                "captured_at": s.captured_at.isoformat(),
                "markets": [_market_dict(m) for m in s.markets],
            }
            for p in ALL_PLATFORMS
            if (s := sites.get(p)) is not None
        },
    }


def _line(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def format_table(sportradar_id: str, at: datetime | None, sites: dict[Platform, SiteOdds]) -> str:
    when = "now" if at is None else f"as of {at.isoformat()}"
    out = [f"{sportradar_id} {when}"]
    for platform in ALL_PLATFORMS:
        site = sites.get(platform)
        if site is None:
            continue
        out.append(
            f"\n{platform.value}: run {site.scrape_run_id}, captured {site.captured_at.isoformat()}, "
            f"{len(site.markets)} markets"
        )
        for m in site.markets:
            handicap = (
                ""
                if m.handicap_type is None
                else f" {m.handicap_type} {_line(m.handicap_home)}/{_line(m.handicap_away)}"
            )
            line = "" if m.line is None else f" line {_line(m.line)}"
            prices = "  ".join(f"{o.name} {o.odds:g}{'' if o.is_active else ' (off)'}" for o in m.outcomes)
            out.append(f"  {m.market_id:<10} {m.market_name}{line}{handicap}: {prices}")
    return "\n".join(out)


async def _odds(
    dsn: str, sportradar_id: str, at: datetime | None, site: Platform | None, as_json: bool
) -> int:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            repo = OddsRepository(conn)
            if at is None:
                sites = await repo.current(sportradar_id=sportradar_id)
            else:
                sites = await repo.as_of(sportradar_id=sportradar_id, at=at)
    finally:
        await pool.close()
    if site is not None:
        sites = {p: s for p, s in sites.items() if p is site}
    if not sites:
        where = "" if site is None else f" on {site.value}"
        when = "" if at is None else f" at or before {at.isoformat()}"
        print(f"oddsstore odds: no stored run of {sportradar_id}{where}{when}", file=sys.stderr)
        return 1
    if as_json:
        print(orjson.dumps(to_json(sportradar_id, at, sites)).decode())
    else:
        print(format_table(sportradar_id, at, sites))
    return 0


def run(args: argparse.Namespace) -> int:
    dsn = resolve_dsn(args)
    if not dsn:
        print("oddsstore odds: no DSN: pass --dsn or set ODDSSTORE_DSN", file=sys.stderr)
        return 2
    try:
        at = None if args.at is None else parse_at(args.at)
        site = None if args.site is None else parse_platform(args.site)
    except UsageError as exc:
        print(f"oddsstore odds: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_odds(dsn, args.sportradar_id, at, site, args.json))
    except (ConnectionError, OSError) as exc:
        print(f"oddsstore odds: {exc}", file=sys.stderr)
        return 1
