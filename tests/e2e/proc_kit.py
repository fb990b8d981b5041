"""Helpers of the tests that run ``python -m oddsstore ...`` as a real child process and signal it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from oddsstore.devtools.simulator import BoardConfig, Simulator, SimulatorConfig, run_simulator

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def slow_simulator(events: int, time_scale: float = 0.2) -> AsyncIterator[Simulator]:
    """An in-process simulator slow enough that a cycle of ``events`` lasts a few seconds."""
    board = BoardConfig(events=events, competitions=max(4, events // 10), seed=11)
    async with run_simulator(SimulatorConfig(board=board, time_scale=time_scale)) as sim:
        yield sim


def site_args(sim: Simulator) -> list[str]:
    return [f"--base-url={p.value}={url}" for p, url in sim.base_urls.items()] + [
        "--min-interval=bet9ja=0"
    ]


class Child:
    """A running ``oddsstore`` command: its JSON progress lines are read as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.events: list[dict[str, Any]] = []
        self.stdout = ""
        self.stderr = ""

    async def wait_for(self, event_type: str, timeout_s: float = 60.0) -> dict[str, Any]:
        """Read progress lines until one of ``event_type``."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout_s):
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    raise AssertionError(f"the child ended before {event_type}: {self.stdout}")
                text = line.decode()
                self.stdout += text
                if text.startswith("{"):
                    event = orjson.loads(text)
                    self.events.append(event)
                    if event["type"] == event_type:
                        return dict(event)

    async def serving(self, port: int) -> str:
        """Wait for ``oddsstore serve``'s first line (its URL); the base URL on ``port``."""
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        self.stdout += line.decode()
        assert b"oddsstore serve: http://" in line, self.stdout
        return f"http://127.0.0.1:{port}"

    async def finish(self, timeout_s: float = 60.0) -> int:
        """Wait for the exit; keep what it wrote."""
        out, err = await asyncio.wait_for(self.proc.communicate(), timeout_s)
        self.stdout += out.decode()
        self.stderr += err.decode()
        for line in out.decode().splitlines():
            if line.startswith("{"):
                self.events.append(orjson.loads(line))
        assert self.proc.returncode is not None
        return self.proc.returncode


@contextlib.asynccontextmanager
async def oddsstore(*args: str, env: dict[str, str] | None = None) -> AsyncIterator[Child]:
    """``python -m oddsstore ARGS`` as a child; killed if still running at the end."""
    base = {k: v for k, v in os.environ.items() if k not in ("ODDSSTORE_DSN", "ODDSSTORE_TOKEN")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oddsstore",
        *args,
        cwd=ROOT,
        env={**base, **(env or {})},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    child = Child(proc)
    try:
        yield child
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
