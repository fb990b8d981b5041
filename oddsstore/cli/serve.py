"""``oddsstore serve``: the cycle service (POST /cycles, SSE progress, run reports) on loopback."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from aiohttp import web
from loguru import logger

from oddsstore.cli._options import add_cycle_options, add_dsn, cycle_inputs
from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings
from oddsstore.cycle.coordinator import CoordinatorSettings
from oddsstore.db import create_pool, mask_dsn
from oddsstore.models import Platform
from oddsstore.service.app import create_app


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="serve POST /cycles and their progress as SSE")
    add_dsn(parser)
    add_cycle_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.set_defaults(func=run, trigger="api")


async def serve(
    dsn: str,
    settings: ClientSettings,
    platforms: tuple[Platform, ...],
    options: CoordinatorSettings,
    host: str,
    port: int,
) -> None:
    pool = await create_pool(dsn, min_size=2, max_size=6)
    runner = web.AppRunner(create_app(pool, settings, platforms=platforms, coordinator_settings=options))
    try:
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        logger.info("serving on http://{}:{} (database {})", host, port, mask_dsn(dsn))
        print(f"oddsstore serve: http://{host}:{port}  (POST /cycles, GET /cycles/ID/events, GET /runs/ID)")
        sys.stdout.flush()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await pool.close()


def run(args: argparse.Namespace) -> int:
    inputs = cycle_inputs(args, "serve")
    if inputs is None:
        return 2
    tune_gc()
    try:
        asyncio.run(
            serve(inputs.dsn, inputs.settings, inputs.platforms, inputs.options, args.host, args.port)
        )
    except ConnectionError as exc:
        print(f"oddsstore serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0
