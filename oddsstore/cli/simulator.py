"""``oddsstore simulator``: serve the three imitated bookmakers on loopback until interrupted.

Prints one line per site (``betpawa http://127.0.0.1:PORT/betpawa``), or one JSON object with ``--json``,
then serves. Control endpoints: ``GET /_sim/stats``, ``GET /_sim/board``, ``POST /_sim/config``
(``{"faults": {"bet9ja": {"rate": 0.1, "kinds": ["http_503"]}}}``), ``POST /_sim/advance``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

import orjson

from oddsstore.devtools.simulator import FAULT_KINDS, BoardConfig, FaultConfig, SimulatorConfig, run_simulator
from oddsstore.models import ALL_PLATFORMS, Platform


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("simulator", help="serve imitations of the three bookmakers on loopback")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port; default 8765)")
    parser.add_argument("--events", type=int, default=1300, help="events on the board (default 1300)")
    parser.add_argument("--competitions", type=int, default=150, help="competitions (default 150)")
    parser.add_argument("--seed", type=int, default=1, help="board seed (default 1)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="latency multiplier (default 1.0)")
    parser.add_argument("--drift-rate", type=float, default=0.1, help="share of markets moving per cycle")
    parser.add_argument("--faults", type=float, default=0.0, help="share of requests given a fault")
    parser.add_argument(
        "--fault-kinds",
        default="timeout,http_503,http_429,malformed_json",
        help=f"comma-separated fault kinds among {','.join(FAULT_KINDS)}",
    )
    sites = [p.value for p in ALL_PLATFORMS]
    parser.add_argument(
        "--fault-sites", default=",".join(sites), help="comma-separated sites the --faults rate applies to"
    )
    parser.add_argument("--down", action="append", default=[], choices=sites, help="a site that is down")
    parser.add_argument(
        "--empty", action="append", default=[], choices=sites, help="a site whose discovery lists no events"
    )
    parser.add_argument(
        "--no-prewarm",
        dest="prewarm",
        action="store_false",
        help="do not price the whole board before serving (faster start, costlier first cycle)",
    )
    parser.add_argument("--json", action="store_true", help="print the base URLs as one JSON object")
    parser.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    kinds = tuple(k.strip() for k in args.fault_kinds.split(",") if k.strip())
    faulty = {Platform(name.strip()) for name in args.fault_sites.split(",") if name.strip()}
    faults = {
        p: FaultConfig(
            rate=args.faults if p in faulty else 0.0,
            kinds=kinds,
            hang_s=60.0,
            down=p.value in args.down,
            empty=p.value in args.empty,
        )
        for p in ALL_PLATFORMS
    }
    return SimulatorConfig(
        board=BoardConfig(events=args.events, competitions=args.competitions, seed=args.seed),
        time_scale=args.time_scale,
        drift_rate=args.drift_rate,
        faults=faults,
        host=args.host,
        port=args.port,
        prewarm=args.prewarm,
    )


async def _serve(config: SimulatorConfig, as_json: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with run_simulator(config) as sim:
        if as_json:
            print(orjson.dumps({p.value: url for p, url in sim.base_urls.items()}).decode(), flush=True)
        else:
            for platform, url in sim.base_urls.items():
                print(f"{platform.value} {url}", flush=True)
            print(f"control {sim.url}/_sim/stats", flush=True)
        await stop.wait()
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"oddsstore simulator: {exc}")
        return 2
    return asyncio.run(_serve(config, args.json))
