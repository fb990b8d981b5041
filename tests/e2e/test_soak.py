"""A short soak (``benchmarks/soak.py`` with 4 cycles): random faults of every kind and backend kills;
every run finalized with counters equal to its rows, no duplicates, no connection left checked out."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "soak.py"


def _load_soak() -> Any:
    spec = importlib.util.spec_from_file_location("oddsstore_soak_script", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
async def test_a_short_soak_with_faults_of_every_kind_keeps_every_run_whole(db_dsn: str) -> None:
    soak = _load_soak()
    result = await soak.soak(db_dsn, cycles=4, events=60, kill_every=2, rss_slack_mb=1000.0)
    assert result["problems"] == [] and result["ok"]
    assert result["cycles"] == 4
    assert result["faults_injected"] > 0  # the faults did happen ...
    assert result["backends_killed"] > 0  # ... and so did the kills
    assert sum(result["statuses"].values()) == 4
    for cycle in result["per_cycle"]:
        assert cycle["status"] in {"completed", "partial", "failed"}
        assert cycle["pool"][0] == cycle["pool"][1]  # nothing checked out after a cycle
        assert cycle["connections"] <= soak.POOL_SIZE


@pytest.mark.slow
async def test_the_soak_reliability_phase_signals_and_sigkill(db_dsn: str) -> None:
    soak = _load_soak()
    result = await soak.reliability(db_dsn, signal_cycles=2, events=60, time_scale=0.05)
    assert result["problems"] == [] and result["ok"]
    assert [s["exit"] for s in result["signals"]] == [143, 130]
    assert result["sigkill"]["closed_as"] == "failed"
    assert result["disturbed"] == []  # no server of its own: no restart, no freeze
