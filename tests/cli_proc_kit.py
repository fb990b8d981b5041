"""The ``oddsstore`` command in a process of its own, as a user runs it: from the project root, with
the environment's DSN and token left out (each test names its database)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SECRETS = ("ODDSSTORE_DSN", "ODDSSTORE_TOKEN")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _SECRETS}


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m oddsstore ARGS``, waited for."""
    return subprocess.run(
        [sys.executable, "-m", "oddsstore", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=_env(),
        check=False,
    )


async def cli(*args: str) -> tuple[int, str, str]:
    """``python -m oddsstore ARGS`` from a running loop: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oddsstore",
        *args,
        cwd=ROOT,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
