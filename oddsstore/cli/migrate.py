"""``oddsstore migrate --dsn DSN``: apply the schema migrations (a no-op when up to date)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from oddsstore.cli._options import add_dsn, dsn_or_say
from oddsstore.db import MigrationError, apply_migrations, mask_dsn


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("migrate", help="apply the database migrations")
    add_dsn(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    dsn = dsn_or_say(args, "migrate")
    if dsn is None:
        return 2
    try:
        applied = asyncio.run(apply_migrations(dsn))
    except MigrationError as exc:
        print(f"oddsstore migrate: {exc}", file=sys.stderr)
        return 1
    if applied:
        print(f"applied {len(applied)} migration(s) to {mask_dsn(dsn)}: {', '.join(applied)}")
    else:
        print(f"{mask_dsn(dsn)} is up to date: nothing to apply")
    return 0
