"""What the comparison commands (``board``, ``event``, ``movement``) share: argparse types that check
every value before anything connects, and the runner that reads, renders and writes.

A bad value is an argparse error: one line on stderr, status 2, no connection made. The runner then
connects with a one-connection pool, runs one read of :class:`ComparisonRepository`, closes the pool
and only then writes the output, line by line:

- an event no site lists: ``oddsstore CMD: unknown event: ...``, status 1;
- the database unreachable or refusing: one line (the DSN's password scrubbed), status 1;
- stdout closed early (``| head``): quiet, status 141 (128 + SIGPIPE, as a shell reports ``cat``);
- Ctrl-C while reading or writing: ``oddsstore CMD: interrupted``, status 130 (128 + SIGINT).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TypeVar

import asyncpg

from oddsstore.cli._options import dsn_or_say
from oddsstore.db import create_pool, scrub_dsn_secrets
from oddsstore.errors import DB_FAILURES, describe
from oddsstore.reads import ComparisonRepository, MarketPick, UnknownEvent
from oddsstore.reads.common import parse_moment, parse_number, validate_market_id

__all__ = [
    "INTERRUPTED",
    "MAX_HOURS",
    "PIPE_CLOSED",
    "hours",
    "line",
    "market_id",
    "market_pick",
    "moment",
    "run_read",
    "sportradar_id",
    "write_lines",
]

T = TypeVar("T")

#: The widest ``--hours`` window: a year.
MAX_HOURS = 8784.0
#: The status when stdout was closed before everything was written.
PIPE_CLOSED = 141
#: The status after Ctrl-C.
INTERRUPTED = 130


def hours(text: str) -> float:
    """An argparse type: a finite number of hours > 0 (at most :data:`MAX_HOURS`)."""
    try:
        value = parse_number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of hours: {text!r}") from None
    if not 0 < value <= MAX_HOURS:  # NaN fails both comparisons
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_HOURS:g} hours, not {text}")
    return value


def market_pick(text: str) -> MarketPick:
    """An argparse type: ``ID``, ``ID@LINE`` or ``ID@main``."""
    try:
        return MarketPick.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def market_id(text: str) -> str:
    """An argparse type: a BetPawa market id such as ``3743``."""
    try:
        return validate_market_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def line(text: str) -> float:
    """An argparse type: a finite line such as ``2.5`` or ``-0.5``."""
    try:
        return parse_number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a line (a finite number such as 2.5): {text!r}") from None


def moment(text: str) -> datetime:
    """An argparse type: an ISO 8601 moment, aware UTC (a trailing ``Z`` and naive times are UTC)."""
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def sportradar_id(text: str) -> str:
    """An argparse type: a non-blank SportRadar id."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the SportRadar id is empty")
    return text.strip()


async def _read(dsn: str, read: Callable[[ComparisonRepository], Awaitable[T]]) -> T:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            return await read(ComparisonRepository(conn))
    finally:
        await pool.close()


def run_read(
    args: argparse.Namespace,
    command: str,
    read: Callable[[ComparisonRepository], Awaitable[T]],
    render: Callable[[T], Iterable[str]],
) -> int:
    """Read with ``read``, then write what ``render`` yields (text chunks, each ending its line)."""
    dsn = dsn_or_say(args, command)
    if dsn is None:
        return 2
    try:
        result = asyncio.run(_read(dsn, read))
    except KeyboardInterrupt:
        return _interrupted(command)
    except UnknownEvent as exc:
        print(f"oddsstore {command}: {exc}", file=sys.stderr)
        return 1
    except DB_FAILURES as exc:
        hint = " (oddsstore migrate)" if isinstance(exc, asyncpg.UndefinedTableError) else ""
        text = scrub_dsn_secrets(describe(exc), dsn)
        print(f"oddsstore {command}: reading the database failed: {text}{hint}", file=sys.stderr)
        return 1
    try:
        return write_lines(render(result))
    except KeyboardInterrupt:
        return _interrupted(command)


def _interrupted(command: str) -> int:
    print(f"oddsstore {command}: interrupted", file=sys.stderr)
    return INTERRUPTED


def write_lines(chunks: Iterable[str]) -> int:
    """Write ``chunks`` to stdout as they come; 0, or :data:`PIPE_CLOSED` when the reader went away."""
    out = sys.stdout
    try:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
    except BrokenPipeError:
        _drop_stdout()
        return PIPE_CLOSED
    return 0


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail again at exit."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
