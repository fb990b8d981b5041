"""``oddsstore board [--hours H] [--market ID]... [--behind] [--json | --csv]``: the events kicking off
in the next hours, BetPawa's price on each outcome of the picked markets against the competitors'.

The table has, per event, a header line (kickoff UTC, SportRadar id, teams, tournament), per market a
line with each site's margin, and per outcome the three sites' prices, the best competitor, BetPawa's
gap in % and ``<`` where a competitor pays more. ``--json``: the board's ``to_dict()`` as one JSON
object; ``--csv``: one row per outcome (``oddsstore.reads.export``), streamed.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson

from oddsstore.cli._options import add_dsn
from oddsstore.cli._reads import hours, market_pick, run_read
from oddsstore.cli._table import column_titles, count, event_title, kickoff_text, market_rows, outcome_row
from oddsstore.models import utcnow
from oddsstore.reads import CORE, Board, ComparisonRepository
from oddsstore.reads.export import board_rows, csv_lines

DEFAULT_HOURS = 24.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "board", help="upcoming events: BetPawa's prices against SportyBet's and Bet9ja's"
    )
    parser.add_argument(
        "--hours",
        type=hours,
        default=DEFAULT_HOURS,
        help=f"events kicking off from now to now + HOURS (default {DEFAULT_HOURS:g})",
    )
    parser.add_argument(
        "--market",
        type=market_pick,
        action="append",
        default=None,
        metavar="ID[@LINE|@main]",
        help="a market: every line (3743), one line (5000@2.5) or the main line (3774@main); "
        "repeatable (default: 1X2, O/U 2.5, BTTS, double chance, draw no bet, main Asian handicap)",
    )
    parser.add_argument(
        "--behind", action="store_true", help="only the outcomes where a competitor pays more"
    )
    add_dsn(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the board as one JSON object")
    output.add_argument("--csv", action="store_true", help="print one CSV row per outcome")
    parser.set_defaults(func=run)


def table(board: Board) -> Iterator[str]:
    """The board as table lines (no line end)."""
    until = "" if board.kickoff_to is None else f" to {kickoff_text(board.kickoff_to)}"
    behind = ", BetPawa behind" if board.only_behind else ""  # 80 columns up to 99,999 events
    events = count(len(board.events), "event")
    yield f"kickoff {kickoff_text(board.kickoff_from)}{until} UTC: {events}{behind}"
    if not board.events:
        return
    yield column_titles()
    for event in board.events:
        yield ""
        yield event_title(
            event.kickoff, event.sportradar_id, event.home_team, event.away_team, event.tournament
        )
        if not event.markets:
            yield "  none of the markets asked for"
        for market in event.markets:
            yield from market_rows(market.key, market.market_name, market.margins)
            for outcome in market.outcomes:
                yield outcome_row(outcome)


def run(args: argparse.Namespace) -> int:
    picks = tuple(args.market) if args.market else CORE
    start = utcnow()
    end = start + timedelta(hours=args.hours)

    async def read(reads: ComparisonRepository) -> Board:
        return await reads.board(kickoff_from=start, kickoff_to=end, markets=picks, only_behind=args.behind)

    def render(board: Board) -> Iterator[str]:
        if args.json:
            yield orjson.dumps(board.to_dict()).decode() + "\n"
        elif args.csv:
            yield from csv_lines(board_rows(board))
        else:
            yield from (f"{line}\n" for line in table(board))

    return run_read(args, "board", read, render)
