"""``oddsstore movement SR_ID MARKET_ID [--line L] [--since ISO8601] [--json]``: how one market of one
event moved on each site, from the change-only history.

Per site and line, per outcome: the opening price, the latest state, the closing line once kickoff
has passed, and every change with its time (UTC, ``HH:MM`` when every time shown is on one day, else
the full date); ``closed`` where the outcome had no open price. ``--json``: the movement's
``to_dict()`` as one JSON object.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

import orjson

from oddsstore.cli._options import add_dsn
from oddsstore.cli._reads import line, market_id, moment, run_read, sportradar_id
from oddsstore.cli._table import WIDTH, clip, kickoff_text, line_text, price
from oddsstore.reads import ComparisonRepository, Movement, OutcomeMovement, PricePoint
from oddsstore.reads.common import MarketKey

_LABEL = 13  # "    opening  " and the changes' continuation lines


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("movement", help="how one market of an event moved on each site")
    parser.add_argument("sportradar_id", type=sportradar_id, help="the event's SportRadar id")
    parser.add_argument("market_id", type=market_id, help="a BetPawa market id, e.g. 3743 (1X2)")
    parser.add_argument("--line", type=line, default=None, help="only this line, e.g. 2.5 (default: all)")
    parser.add_argument(
        "--since", type=moment, default=None, help="list only the changes from this ISO 8601 moment"
    )
    add_dsn(parser)
    parser.add_argument("--json", action="store_true", help="print the movement as one JSON object")
    parser.set_defaults(func=run)


def _points(o: OutcomeMovement) -> Iterator[PricePoint]:
    yield from o.changes
    yield from (p for p in (o.opening, o.latest, o.closing) if p is not None)


def _clock(outcomes: Iterable[OutcomeMovement]) -> str:
    """``%H:%M`` when every time shown falls on one UTC day, else the full date and time."""
    days = {p.captured_at.astimezone(UTC).date() for o in outcomes for p in _points(o)}
    return "%H:%M" if len(days) <= 1 else "%Y-%m-%d %H:%M"


def _odds(point: PricePoint) -> str:
    return "closed" if point.odds is None else price(point.odds)


def _line_label(key: MarketKey) -> str:
    shown = line_text(key)
    return "" if shown is None else f"  {shown[0]} {shown[1]}"


def _wrapped(tokens: list[str]) -> Iterator[str]:
    """``changes`` and the tokens, as many a line as fit in the width."""
    current = f"{'    changes':<{_LABEL}}"
    filled = False
    for token in tokens:
        if filled and len(current) + 2 + len(token) > WIDTH:
            yield current
            current, filled = " " * _LABEL, False
        current += ("  " if filled else "") + token
        filled = True
    yield current


def table(move: Movement) -> Iterator[str]:
    """The movement as text lines (no line end)."""
    fmt = _clock(move.outcomes)
    only = "" if move.line is None else f" line {move.line:g}"
    state = "started" if move.started else "not started"
    yield clip(
        f"{move.sportradar_id}  market {move.market_id}{only}  kickoff {kickoff_text(move.kickoff)} UTC"
        f" ({state})",
        WIDTH,
    )
    if move.since is not None:
        yield f"changes from {kickoff_text(move.since)} UTC"
    if not move.outcomes:
        yield clip(f"no stored prices of market {move.market_id}{only} for {move.sportradar_id}", WIDTH)
        return
    if fmt == "%H:%M":
        day = next(p for o in move.outcomes for p in _points(o)).captured_at.astimezone(UTC)
        yield f"times UTC on {day:%Y-%m-%d}"
    else:
        yield "times UTC"
    group: tuple[object, ...] | None = None
    for o in move.outcomes:
        if (o.platform, o.key) != group:
            group = (o.platform, o.key)
            yield ""
            yield f"{o.platform.value}{_line_label(o.key)}"
        yield f"  {clip(o.outcome, WIDTH - 2)}"
        for name, point in (("opening", o.opening), ("latest", o.latest), ("closing", o.closing)):
            if name == "closing" and not move.started:
                continue
            shown = "-" if point is None else f"{_odds(point)} at {point.captured_at.astimezone(UTC):{fmt}}"
            yield f"{'    ' + name:<{_LABEL}}{shown}"
        changes = [f"{c.captured_at.astimezone(UTC):{fmt}} {_odds(c)}" for c in o.changes]
        yield from _wrapped(changes or ["none"])


def run(args: argparse.Namespace) -> int:
    async def read(reads: ComparisonRepository) -> Movement:
        return await reads.movement(
            sportradar_id=args.sportradar_id, market_id=args.market_id, line=args.line, since=args.since
        )

    def render(move: Movement) -> Iterator[str]:
        if args.json:
            yield orjson.dumps(move.to_dict()).decode() + "\n"
        else:
            yield from (f"{text}\n" for text in table(move))

    return run_read(args, "movement", read, render)
