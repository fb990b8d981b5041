"""The README's service example, run as written against the simulator and a real PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from cycle_checks import run_rows
from fault_kit import settings_for, simulator

README = Path(__file__).resolve().parents[2] / "README.md"


def _first_python_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "README.md has no python example"
    return str(blocks[0])


async def test_the_readme_service_example_runs_a_whole_cycle(
    db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_first_python_block(), str(README), "exec"), namespace)  # noqa: S102 - our own README
    one_cycle = namespace["one_cycle"]

    async with simulator(30) as sim:
        await one_cycle(db_dsn, settings_for(sim))

    out = capsys.readouterr().out
    assert out.startswith("event: CYCLE_START\n")
    last_type, last_data = out.strip().split("\n\n")[-1].split("\n")
    assert last_type == "event: CYCLE_COMPLETE"
    done = orjson.loads(last_data.removeprefix("data: "))
    assert done["events_total"] > 0 and done["status"] == "completed"
    conn = await asyncpg.connect(db_dsn)
    try:
        rows = await run_rows(conn, done["run_id"])
    finally:
        await conn.close()
    assert rows.status_rows == done["events_total"]
    assert rows.snapshots == done["snapshots_created"] > 0
