"""``oddsstore serve``: the cycle service (POST /cycles, SSE progress, run reports, /metrics, /healthz),
the comparison reads (``/api/...``) and the web pages on loopback. ``--board-ttl`` sets how long a board
answer is reused.

``--token`` (or ``$ODDSSTORE_TOKEN``) makes ``POST`` need ``Authorization: Bearer TOKEN``; binding beyond
loopback (``--host``) is refused without one, and then every request needs it. SIGTERM and SIGINT stop
the service alike: a running cycle stops taking new work, gets a bounded grace to store what it holds,
spills the rest and its run is finalized as ``stopped by signal``; the command then exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from aiohttp import web
from loguru import logger

from oddsstore.cli._options import add_cycle_options, add_dsn, cycle_inputs, positive_int
from oddsstore.cli._signals import run_stoppable
from oddsstore.cli._tuning import tune_gc
from oddsstore.clients import ClientSettings
from oddsstore.cycle.coordinator import CoordinatorSettings
from oddsstore.cycle.host import StopRequest
from oddsstore.cycle.metrics import CycleMetrics
from oddsstore.db import create_pool, mask_dsn
from oddsstore.models import Platform
from oddsstore.service.api import DEFAULT_BOARD_TTL_S, ReadsSettings
from oddsstore.service.app import SERVICE_KEY, AccessPolicy, CycleService, create_app, is_loopback
from oddsstore.service.health import add_health_routes

TOKEN_ENV = "ODDSSTORE_TOKEN"  # noqa: S105 - the variable's name, not a token


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="serve POST /cycles and their progress as SSE")
    add_dsn(parser)
    add_cycle_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=positive_int(65535), default=8080, help="port (default 8080)")
    parser.add_argument(
        "--token",
        default=None,
        help=f"bearer token required for POST (and everything beyond loopback); default ${TOKEN_ENV}",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another name clients may use in the Host header (a DNS name of this machine); repeatable",
    )
    parser.add_argument(
        "--board-ttl",
        type=_ttl,
        default=DEFAULT_BOARD_TTL_S,
        metavar="SECONDS",
        help=f"reuse a board answer this long (0-3600; default {DEFAULT_BOARD_TTL_S:g}); "
        "an answer can be up to twice that old",
    )
    parser.set_defaults(func=run, trigger="api")


def _ttl(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds, not {text}")
    return value


async def serve(
    dsn: str,
    settings: ClientSettings,
    platforms: tuple[Platform, ...],
    options: CoordinatorSettings,
    host: str,
    port: int,
    access: AccessPolicy | None = None,
    reads: ReadsSettings | None = None,
) -> None:
    pool = await create_pool(dsn, min_size=2, max_size=6)
    app = create_app(
        pool,
        settings,
        platforms=platforms,
        coordinator_settings=options,
        access=access or AccessPolicy(),
        reads=reads,
    )
    service = app[SERVICE_KEY]
    assert isinstance(service, CycleService)
    service.metrics = CycleMetrics()
    add_health_routes(app, pool=pool, metrics=service.metrics, every_s=None)  # GET /metrics, /healthz
    runner = web.AppRunner(app)
    try:
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        logger.info("serving on http://{}:{} (database {})", host, port, mask_dsn(dsn))
        print(
            f"oddsstore serve: http://{host}:{port}  (the board at /, GET /api/board, POST /cycles, "
            "GET /cycles/ID/events, GET /runs/ID)"
        )
        sys.stdout.flush()
        await asyncio.Event().wait()
    except asyncio.CancelledError as exc:
        if exc.args and isinstance(exc.args[0], StopRequest):
            service.stop_request = exc.args[0]  # the running cycle stops with the signal's reason
            if service.current is not None:
                print(f"oddsstore serve: stopping run {service.current[0]}", file=sys.stderr)
        raise
    finally:
        await runner.cleanup()
        await pool.close()


def run(args: argparse.Namespace) -> int:
    inputs = cycle_inputs(args, "serve")
    if inputs is None:
        return 2
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host) and token is None:
        print(
            f"oddsstore serve: --host {args.host} is reachable beyond this machine: "
            f"set --token or ${TOKEN_ENV} (every request then needs it)",
            file=sys.stderr,
        )
        return 2
    access = AccessPolicy(token=token, bound_host=args.host, allowed_hosts=frozenset(args.allowed_host))
    tune_gc()

    async def main() -> None:
        await run_stoppable(
            serve(
                inputs.dsn,
                inputs.settings,
                inputs.platforms,
                inputs.options,
                args.host,
                args.port,
                access,
                ReadsSettings(board_ttl_s=args.board_ttl),
            ),
            "serve",
        )

    try:
        asyncio.run(main())
    except ConnectionError as exc:
        print(f"oddsstore serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the address is taken, or not ours
        where = f"{args.host}:{args.port}"
        print(f"oddsstore serve: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
