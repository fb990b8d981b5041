"""``oddsstore migrate --dsn DSN``: apply the schema migrations (a no-op when up to date)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from oddsstore.db import MigrationError, apply_migrations, mask_dsn

DSN_ENV = "ODDSSTORE_DSN"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("migrate", help="apply the database migrations")
    parser.add_argument(
        "--dsn",
        default=None,
        help=f"PostgreSQL DSN, TCP or ...?host=/socket/dir (default: ${DSN_ENV})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    dsn = args.dsn or os.environ.get(DSN_ENV)
    if not dsn:
        print(f"oddsstore migrate: no DSN: pass --dsn or set {DSN_ENV}", file=sys.stderr)
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
