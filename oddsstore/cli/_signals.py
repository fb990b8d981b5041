"""SIGTERM and SIGINT, handled alike by every long-running command (``cycle``, ``serve``, ...).

:func:`run_stoppable` runs a command's main coroutine in a task; the first SIGTERM or SIGINT cancels it
with a :class:`~oddsstore.cycle.runner.StopRequest` (a cycle then stops taking new work, gives storing a
bounded grace, spills what is left and finalizes its run as ``stopped by signal (SIGTERM)``); further
signals are reported and ignored while that runs (it is bounded), or, for a command that gives the
stop a longer deadline (``run``), end that deadline at once (``on_again``). The command then exits with
:func:`signal_exit_code` (128 + the signal's number: 143 for SIGTERM, 130 for SIGINT) or, for a
service whose normal end is a signal, 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import attrs

from oddsstore.cycle.host import STOP_GRACE_S, StopRequest

T = TypeVar("T")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def signal_exit_code(signum: int) -> int:
    """The conventional status of a process ended by ``signum``: 128 + its number."""
    return 128 + int(signum)


@attrs.define
class Stopped:
    """The signal that stopped the command (``None`` while none arrived)."""

    signum: int | None = None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    @property
    def reason(self) -> str:
        return f"stopped by signal ({self.name})"


async def run_stoppable(
    main: Coroutine[Any, Any, T],
    command: str,
    *,
    grace_s: float = STOP_GRACE_S,
    on_again: Callable[[], None] | None = None,
) -> tuple[T | None, Stopped]:
    """Run ``main`` until it returns or a stop signal has wound it down: ``(result, stopped)``;
    ``result`` is ``None`` and ``stopped.signum`` set when a signal stopped it. With ``on_again``, a
    further signal calls it (stop at once, still finalizing) instead of only being reported."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(main)
    stopped = Stopped()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stopped.signum is not None:
            if on_again is not None:
                print(f"oddsstore {command}: {name} again: stopping at once", file=sys.stderr)
                on_again()
                return
            print(f"oddsstore {command}: {name} again: still stopping (bounded)", file=sys.stderr)
            return
        stopped.signum = signum
        print(f"oddsstore {command}: {name} received: stopping", file=sys.stderr)
        sys.stderr.flush()
        task.cancel(StopRequest(reason=stopped.reason, grace_s=grace_s))

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        try:
            return await task, stopped
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if stopped.signum is None or (current is not None and current.cancelling()):
                raise
            return None, stopped
    finally:
        for sig in STOP_SIGNALS:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(sig)
