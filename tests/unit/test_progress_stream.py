"""The SSE service's per-run stream: late readers get a replay, live readers get events as published."""

from __future__ import annotations

import asyncio

from oddsstore.progress import CycleComplete, CycleStart, ProgressEvent
from oddsstore.service.app import RunStream


def start(run_id: int) -> CycleStart:
    return CycleStart(run_id=run_id, trigger="t", platforms=("betpawa",))


def complete(run_id: int) -> CycleComplete:
    return CycleComplete(
        run_id=run_id,
        status="completed",
        events_total=1,
        events_scraped=1,
        events_failed=0,
        snapshots_created=1,
        markets_stored=1,
        total_ms=1,
        discovery_ms=1,
        success_rate=1.0,
    )


async def collect(stream: RunStream) -> list[ProgressEvent]:
    return [e async for e in stream.follow()]


async def test_a_live_reader_sees_every_event_then_stops_at_the_terminal_one() -> None:
    stream = RunStream()
    reader = asyncio.create_task(collect(stream))
    await asyncio.sleep(0)
    await stream.publish(start(1))
    await asyncio.sleep(0.01)
    assert not reader.done()
    await stream.publish(complete(1))
    got = await asyncio.wait_for(reader, 1)
    assert [e.type for e in got] == ["CYCLE_START", "CYCLE_COMPLETE"]
    assert stream.done


async def test_a_late_reader_gets_the_replay() -> None:
    stream = RunStream()
    await stream.publish(start(2))
    await stream.publish(complete(2))
    got = await asyncio.wait_for(collect(stream), 1)
    assert [e.to_dict()["run_id"] for e in got] == [2, 2]


async def test_the_end_of_a_crashed_cycle_releases_readers() -> None:
    stream = RunStream()
    await stream.publish(start(3))
    reader = asyncio.create_task(collect(stream))
    await asyncio.sleep(0.01)
    await stream.publish(None)
    got = await asyncio.wait_for(reader, 1)
    assert [e.type for e in got] == ["CYCLE_START"]
