"""The ``oddsstore`` command line: one module per subcommand, each with ``register(subparsers)``.

A subcommand module defines ``register(subparsers)`` which adds its parser and sets ``func`` to a
callable taking the parsed ``argparse.Namespace`` and returning an exit code. Async commands run
through ``asyncio.run`` here, at the edge: the library itself never calls it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from loguru import logger

# Subcommand modules, in the order `oddsstore --help` lists them.
_COMMANDS = (
    "migrate",
    "cycle",
    "replay",
    "status",
    "odds",
    "maintain",
    "simulator",
    "serve",
    "demo",
    "audit_mapping",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oddsstore", description="Football odds comparison scrape cycle.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"oddsstore.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logger.remove()
    logger.add(sys.stderr, level="DEBUG" if args.verbose else "INFO")
    logger.enable("oddsstore")
    code: int = args.func(args)
    return code
