"""The scheduler's timing on a clock of the test's own: starts on a grid of ``every_s`` that late wake-ups
do not push, an overrun followed at once (and the grid restarted from there), maintenance before the
first cycle and then every ``maintenance_interval_s``, a failed maintenance tried again at the next
cycle. The expected start times are worked out by hand below, not from the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from oddsstore.clients import ClientSettings
from oddsstore.cycle import schedule
from oddsstore.cycle.schedule import Scheduler, ScheduleSettings
from oddsstore.storage.maintenance import MaintenanceResult

LATE = 0.25  # every sleep wakes this much late (a loaded machine); exact in binary


class _Conn:
    def __init__(self) -> None:
        self.terminated = False

    def is_closed(self) -> bool:
        return self.terminated

    def terminate(self) -> None:
        self.terminated = True


class _Pool:
    def __init__(self) -> None:
        self.handed_out: list[_Conn] = []

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[_Conn]:
        self.handed_out.append(_Conn())
        yield self.handed_out[-1]

    def acquire(self, **_options: object) -> contextlib.AbstractAsyncContextManager[_Conn]:
        return self._connection()


class _Timed(Scheduler):
    """A scheduler whose cycles only take time on the fake clock."""

    def __init__(self, durations: list[float], settings: ScheduleSettings) -> None:
        self.now = 0.0
        self.durations = durations
        self.starts: list[float] = []
        self.maintained: list[float] = []
        self.fake_pool = _Pool()
        super().__init__(
            self.fake_pool,  # type: ignore[arg-type]
            ClientSettings.defaults(),
            settings,
            clock=lambda: self.now,
            sleep=self._late_sleep,
        )

    async def _late_sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds + LATE

    async def run_cycle(self) -> None:
        self.starts.append(self.now)
        self.now += self.durations[len(self.starts) - 1]


def _fake_maintain(scheduler: _Timed, failures: int = 0) -> Any:
    left = [failures]

    async def maintain(_conn: object, *, retention_days: int) -> MaintenanceResult:
        scheduler.maintained.append(scheduler.now)
        if left[0] > 0:
            left[0] -= 1
            raise ConnectionRefusedError("the database is down")
        return MaintenanceResult(
            partitions_created=0,
            cutoff=None,
            checkpoint_rows=0,
            partitions_dropped=(),
            runs_deleted=0,
            drop_ms=0.0,
        )

    return maintain


async def test_starts_keep_to_the_grid_and_an_overrun_is_followed_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every 4 s; the third cycle takes 9 s (an overrun), the others 1 s
    scheduler = _Timed([1, 1, 9, 1, 1, 1], ScheduleSettings(every_s=4, max_cycles=6))
    monkeypatch.setattr(schedule, "maintain", _fake_maintain(scheduler))
    assert await scheduler.run() == 6
    # 0; 4 (+0.25 late); 8.25; the overrun ends at 17.25 and the fourth starts then; 21.5; 25.5
    assert scheduler.starts == [0.0, 4.25, 8.25, 17.25, 21.5, 25.5]


async def test_maintenance_at_the_start_then_once_per_interval_and_again_after_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ScheduleSettings(every_s=4, max_cycles=10, maintenance_interval_s=16)
    scheduler = _Timed([1] * 10, settings)
    monkeypatch.setattr(schedule, "maintain", _fake_maintain(scheduler, failures=1))
    await scheduler.run()
    assert scheduler.starts == [0.0] + [4 * k + LATE for k in range(1, 10)]
    # fails at 0, tried again at 4.25 (ok), then due 16 s later: at 20.25, then at 36.25
    assert scheduler.maintained == [0.0, 4.25, 20.25, 36.25]
    sample = scheduler.metrics.registry.get_sample_value
    assert sample("oddsstore_maintenance_runs_total", {"result": "failed"}) == 1
    assert sample("oddsstore_maintenance_runs_total", {"result": "ok"}) == 3


async def test_a_maintenance_that_never_returns_is_cut_at_its_deadline_and_its_connection_terminated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ScheduleSettings(every_s=4, max_cycles=2, maintenance_timeout_s=0.05)
    scheduler = _Timed([1, 1], settings)

    async def frozen(_conn: object, *, retention_days: int) -> MaintenanceResult:
        await asyncio.Event().wait()  # the server does not answer
        raise AssertionError("unreachable")

    monkeypatch.setattr(schedule, "maintain", frozen)
    assert await asyncio.wait_for(scheduler.run(), 10) == 2  # the cycles still run
    assert [c.terminated for c in scheduler.fake_pool.handed_out] == [True, True]  # tried before each
    sample = scheduler.metrics.registry.get_sample_value
    assert sample("oddsstore_maintenance_runs_total", {"result": "failed"}) == 2
