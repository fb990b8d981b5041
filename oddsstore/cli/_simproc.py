"""Run ``oddsstore simulator`` as a child process (so it does not take the cycle's CPU) and talk to it."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import attrs
import orjson

from oddsstore.models import Platform

START_TIMEOUT_S = 120.0


@attrs.frozen(slots=True)
class SimulatorProcess:
    pid: int
    base_urls: dict[Platform, str]
    control_url: str

    async def stats(self, session: aiohttp.ClientSession | None = None) -> dict[str, Any]:
        """The simulator's per-site counters (``GET /_sim/stats``)."""
        stats: dict[str, Any] = await self._call("GET", "/_sim/stats", session)
        return stats

    async def configure(self, body: dict[str, Any], session: aiohttp.ClientSession | None = None) -> Any:
        """Change faults while it runs (``POST /_sim/config``)."""
        return await self._call("POST", "/_sim/config", session, body)

    async def _call(
        self, method: str, path: str, session: aiohttp.ClientSession | None, body: Any = None
    ) -> Any:
        async with contextlib.AsyncExitStack() as stack:
            if session is None:
                session = await stack.enter_async_context(aiohttp.ClientSession())
            data = None if body is None else orjson.dumps(body)
            async with session.request(method, self.control_url + path, data=data) as response:
                response.raise_for_status()
                return orjson.loads(await response.read())


@contextlib.asynccontextmanager
async def simulator_process(
    *,
    events: int,
    seed: int = 1,
    time_scale: float = 1.0,
    faults: float = 0.0,
    fault_kinds: Sequence[str] | None = None,
    quiet: bool = True,
) -> AsyncIterator[SimulatorProcess]:
    """Start the simulator on a free loopback port; yields its URLs; stops it on exit."""
    argv = [
        sys.executable,
        "-m",
        "oddsstore",
        "simulator",
        "--port",
        "0",
        "--json",
        "--events",
        str(events),
        "--seed",
        str(seed),
        "--time-scale",
        repr(time_scale),
        "--faults",
        repr(faults),
    ]
    if fault_kinds:
        argv += ["--fault-kinds", ",".join(fault_kinds)]
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL if quiet else None,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT_S)
        if not line:
            raise RuntimeError(f"the simulator exited before serving (status {await proc.wait()})")
        urls = {Platform(name): str(url) for name, url in orjson.loads(line).items()}
        control = urls[Platform.BETPAWA].rsplit("/", 1)[0]
        yield SimulatorProcess(pid=proc.pid, base_urls=urls, control_url=control)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
