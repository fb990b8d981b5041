"""``replay_spill_file``: store the batches of a spill file, exactly once, and bring their runs up to date.

Each line is stored with ``store_batch`` for its own run id, in its own transaction, retried on a new
connection once if the connection is lost. ``store_batch`` is idempotent per run, so replaying a file
twice (or a batch that was in fact stored before it was spilled) writes nothing twice. A damaged line,
or a batch the database refuses, is reported by line number and the other lines go on. Afterwards the
counters of every run seen are recomputed from its rows; a run still ``running`` (its cycle could not
write its end) is closed as ``failed`` with the spill line's reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import attrs
from loguru import logger

from oddsstore.errors import DB_FAILURES, RetryPolicy, describe, is_transient_db_error, retry_transient
from oddsstore.models import StoreResult
from oddsstore.repositories.scrape_runs import RunCounters, ScrapeRunsRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.spill import SpilledBatch, SpillLineError, read_batches

#: A spilled batch whose connection was lost is tried once more on a new one.
REPLAY_RETRY = RetryPolicy(attempts=2, jitter=False, immediate_first=True)


@attrs.define(slots=True)
class ReplayReport:
    """What a replay did: lines stored, rows written, lines refused (line number -> why), runs updated."""

    batches: int = 0  # lines stored (whether or not they wrote anything new)
    events_stored: int = 0  # status rows written now
    snapshots_created: int = 0
    markets_stored: int = 0
    errors: dict[int, str] = attrs.field(factory=dict)
    runs: dict[int, RunCounters] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "events_stored": self.events_stored,
            "snapshots_created": self.snapshots_created,
            "markets_stored": self.markets_stored,
            "errors": {str(k): v for k, v in self.errors.items()},
            "runs": {str(k): attrs.asdict(v) for k, v in self.runs.items()},
        }


async def replay_spill_file(pool: asyncpg.Pool[Any], path: Path) -> ReplayReport:
    """Store every batch of ``path``; see the module docstring. Raises ``OSError`` if it cannot be read."""
    report = ReplayReport()
    reasons: dict[int, str] = {}
    for item in read_batches(path):
        if isinstance(item, SpillLineError):
            report.errors[item.line_number] = item.message
            logger.warning("{} line {}: {}", path.name, item.line_number, item.message)
            continue
        reasons.setdefault(item.scrape_run_id, item.reason)

        async def store(line: SpilledBatch = item) -> StoreResult:
            async with pool.acquire() as conn:
                return await store_batch(conn, line.batch, line.scrape_run_id)

        try:
            result = await retry_transient(store, REPLAY_RETRY, transient=is_transient_db_error)
        except DB_FAILURES as exc:  # refused (e.g. no such run) or unavailable: this line only
            report.errors[item.line_number] = f"not stored: {describe(exc)}"
            continue
        report.batches += 1
        report.events_stored += result.events_stored
        report.snapshots_created += result.snapshots_created
        report.markets_stored += result.markets_stored
    async with pool.acquire() as conn:
        runs = ScrapeRunsRepository(conn)
        for run_id, reason in reasons.items():
            counters = await runs.recompute_counters(run_id=run_id, reason=f"{reason}; finalized by replay")
            if counters is not None:
                report.runs[run_id] = counters
    logger.info(
        "replayed {}: {} batches, {} new status rows, {} snapshots, {} markets, {} bad lines",
        path.name,
        report.batches,
        report.events_stored,
        report.snapshots_created,
        report.markets_stored,
        len(report.errors),
    )
    return report
