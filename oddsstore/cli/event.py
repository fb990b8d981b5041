"""``oddsstore event SR_ID [--at ISO8601] [--method M] [--json]``: one event's markets on the three
sites side by side, now or as the sites' latest runs at or before a moment returned them.

Per market a line with each site's margin; per outcome the prices (the board's columns) and, when
some site prices the market completely, a ``fair`` line: each site's fair odds by the method and
the consensus. Then the availability (the
market lines some sites offer and others lack) and the sites with nothing stored for the event.
``--json``: the comparison's ``to_dict()`` as one JSON object.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson

from oddsstore.cli._options import add_dsn
from oddsstore.cli._reads import moment, run_read, sportradar_id
from oddsstore.cli._table import (
    WIDTH,
    column_titles,
    count,
    event_title,
    fair_row,
    kickoff_text,
    market_label,
    market_rows,
    outcome_row,
)
from oddsstore.reads import ComparisonRepository, EventComparison, FairMethod
from oddsstore.reads.common import MarketKey


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("event", help="one event's markets on the three sites side by side")
    parser.add_argument("sportradar_id", type=sportradar_id, help="the event's SportRadar id")
    parser.add_argument(
        "--at", type=moment, default=None, help="ISO 8601 moment (default: now); naive means UTC"
    )
    parser.add_argument(
        "--method",
        choices=[m.value for m in FairMethod],
        default=FairMethod.MULTIPLICATIVE.value,
        help="how fair odds remove the margin (default: multiplicative)",
    )
    add_dsn(parser)
    parser.add_argument("--json", action="store_true", help="print the comparison as one JSON object")
    parser.set_defaults(func=run)


def _when(at: datetime | None) -> str:
    return "now" if at is None else f"as of {kickoff_text(at)} UTC"


def table(cmp: EventComparison) -> Iterator[str]:
    """The comparison as table lines (no line end)."""
    yield event_title(cmp.kickoff, cmp.sportradar_id, cmp.home_team, cmp.away_team, cmp.tournament)
    yield f"{_when(cmp.at)}, fair odds by {cmp.method.value}"
    for p, t in cmp.captured_at.items():
        yield f"  {p.value:<10} captured {kickoff_text(t)} UTC"
    yield ""
    yield column_titles()
    names: dict[MarketKey, str] = {}
    for market in cmp.markets:
        names[market.key] = market.market_name
        yield from market_rows(market.key, market.market_name, market.margins)
        priced = any(f is not None for f in market.fair_odds.values())  # some site has a complete set
        for outcome in market.outcomes:
            yield outcome_row(outcome)
            if priced:
                yield fair_row(outcome.name, market.fair_odds, market.consensus_fair_odds)
    if not cmp.markets:
        yield "no markets stored"
    yield ""
    yield f"availability: {count(len(cmp.availability), 'market line')} not on every site"
    for a in cmp.availability:
        offered = ",".join(p.value for p in a.offered_by)
        missing = ",".join(p.value for p in a.missing_on)
        where = f"  on {offered}, not {missing}"
        label = market_label(a.key, names[a.key], WIDTH - 2 - len(where))
        yield f"  {label}{where}"
    missing_sites = ", ".join(p.value for p in cmp.missing_sites) or "none"
    yield f"sites with nothing stored: {missing_sites}"


def run(args: argparse.Namespace) -> int:
    method = FairMethod(args.method)

    async def read(reads: ComparisonRepository) -> EventComparison:
        return await reads.event(sportradar_id=args.sportradar_id, at=args.at, method=method)

    def render(cmp: EventComparison) -> Iterator[str]:
        if args.json:
            yield orjson.dumps(cmp.to_dict()).decode() + "\n"
        else:
            yield from (f"{line}\n" for line in table(cmp))

    return run_read(args, "event", read, render)
