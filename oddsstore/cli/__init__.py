"""The ``oddsstore`` command line: one module per subcommand, each with ``register(subparsers)``.

A subcommand module defines ``register(subparsers)`` which adds its parser and sets ``func`` to a
callable taking the parsed ``argparse.Namespace`` and returning an exit code. Async commands run
through ``asyncio.run`` here, at the edge: the library itself never calls it.

The log handler never prints local variables or extended tracebacks (``diagnose=False``,
``backtrace=False``): a DSN in a local variable must not reach stderr. A failure no command expected
ends in one line on stderr (the password scrubbed) and status 1; ``-v`` adds its traceback to the log.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from loguru import logger

from oddsstore.db import scrub_dsn_secrets
from oddsstore.errors import describe

# Subcommand modules, in the order `oddsstore --help` lists them.
_COMMANDS = (
    "migrate",
    "cycle",
    "run",
    "replay",
    "status",
    "odds",
    "board",
    "event",
    "movement",
    "maintain",
    "availability",
    "simulator",
    "serve",
    "demo",
    "audit_mapping",
)


class _Parser(argparse.ArgumentParser):
    """A usage error is one line on stderr (and status 2), not the usage text and then the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="oddsstore", description="Football odds comparison scrape cycle.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"oddsstore.cli.{name}").register(sub)
    return parser


def add_log_handler(level: str) -> int:
    """The CLI's stderr log handler: never local variables or extended tracebacks (secrets)."""
    return logger.add(sys.stderr, level=level, diagnose=False, backtrace=False)


class _FromStdlib(logging.Handler):
    """Libraries' stdlib log records (asyncpg's pool, aiohttp's access errors) as one loguru line each:
    the message and its exception's ``Type: message``, never a traceback."""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text = f"{text}: {describe(record.exc_info[1])}"
        level = record.levelname if record.levelname in ("DEBUG", "INFO", "WARNING", "ERROR") else "ERROR"
        logger.log(level, "{}: {}", record.name, text)


def route_stdlib_logging(verbose: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(handlers=[_FromStdlib()], level=level, force=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logger.remove()
    add_log_handler("DEBUG" if args.verbose else "INFO")
    route_stdlib_logging(args.verbose)
    logger.enable("oddsstore")
    try:
        code: int = args.func(args)
    except Exception as exc:  # the net under every command: one line, never a traceback
        text = describe(exc)
        dsn = getattr(args, "dsn", None) or os.environ.get("ODDSSTORE_DSN")
        if dsn:
            text = scrub_dsn_secrets(text, dsn)
        logger.opt(exception=exc).debug("oddsstore {} failed", args.command)
        print(f"oddsstore {args.command}: unexpected error: {text}", file=sys.stderr)
        return 1
    return code
