"""``replay_spill_file``: store the batches of a spill file, exactly once, where they belong, and bring
their runs up to date.

Before the first line of a run is stored, the run is checked: the spill line says which database
(cluster system identifier and name) and which run (its start time) it was spilled from; a file
replayed into another database, or into a run with the same id that is not the same run, is refused
with the reason (every line of that run is reported, nothing is written). ``force_new_run`` stores each
spilled run into a fresh run of its own instead (trigger ``replay``). Lines from files older than these
checks (no origin) are stored as before.

Each line is stored with ``store_batch`` for its run, in its own transaction, retried on a new
connection once if the connection is lost. ``store_batch`` is idempotent per run, so replaying a file
twice (or a batch that was in fact stored before it was spilled) writes nothing twice. A damaged line,
or a batch the database refuses, is reported by line number and the other lines go on. Afterwards the
counters of every run stored into are recomputed from its rows; a run still ``running`` (its cycle
could not write its end) is closed as ``failed`` with the spill line's reason; and the run's status and
error say what the replay stored: ``partial`` once every spilled batch of it is in, else ``failed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import attrs
from loguru import logger

from oddsstore.errors import DB_FAILURES, RetryPolicy, describe, is_transient_db_error, retry_transient
from oddsstore.models import RunStatus, StoreResult
from oddsstore.repositories.scrape_runs import RunCounters, RunOrigin, ScrapeRunsRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.spill import SpilledBatch, SpillLineError, read_batches

#: A spilled batch whose connection was lost is tried once more on a new one.
REPLAY_RETRY = RetryPolicy(attempts=2, jitter=False, immediate_first=True)
REPLAY_TRIGGER = "replay"
_REPLAY_NOTE = "; replay of "


class ReplayRefused(Exception):
    """The spilled run does not belong to this database (or to the run with its id here)."""


@attrs.define(slots=True)
class ReplayReport:
    """What a replay did: lines stored, rows written, lines refused (line number -> why), runs updated;
    ``new_runs``: spilled run id -> the fresh run it was stored into (``force_new_run``)."""

    batches: int = 0  # lines stored (whether or not they wrote anything new)
    events_stored: int = 0  # status rows written now
    snapshots_created: int = 0
    markets_stored: int = 0
    errors: dict[int, str] = attrs.field(factory=dict)
    runs: dict[int, RunCounters] = attrs.field(factory=dict)
    new_runs: dict[int, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "events_stored": self.events_stored,
            "snapshots_created": self.snapshots_created,
            "markets_stored": self.markets_stored,
            "errors": {str(k): v for k, v in self.errors.items()},
            "runs": {str(k): attrs.asdict(v) for k, v in self.runs.items()},
            "new_runs": {str(k): v for k, v in self.new_runs.items()},
        }


def _mismatch(run_id: int, spilled: RunOrigin, here: RunOrigin) -> str | None:
    """Why run ``run_id`` of this database is not the spilled one, or ``None`` if it is."""
    if (spilled.system_identifier, spilled.database) != (here.system_identifier, here.database):
        return (
            f"run {run_id} was spilled from database {spilled.database!r} of cluster "
            f"{spilled.system_identifier}, not this one ({here.database!r} of cluster "
            f"{here.system_identifier})"
        )
    if here.started_at is None:
        return f"this database has no run {run_id}"
    if spilled.started_at is not None and spilled.started_at != here.started_at:
        return (
            f"run {run_id} here started at {here.started_at.isoformat()}, the spilled run at "
            f"{spilled.started_at.isoformat()}: not the same run"
        )
    return None


@attrs.define(slots=True)
class _Target:
    run_id: int | None  # where the lines of a spilled run go; None: refused
    refused: str = ""
    lines: int = 0
    stored: int = 0
    reason: str = ""
    fresh: bool = False  # a run created by this replay (force_new_run)


async def _target(
    pool: asyncpg.Pool[Any], line: SpilledBatch, *, force_new_run: bool, report: ReplayReport
) -> _Target:
    async with pool.acquire() as conn:
        runs = ScrapeRunsRepository(conn)
        if force_new_run:
            fresh = (await runs.create(trigger=REPLAY_TRIGGER)).id
            report.new_runs[line.scrape_run_id] = fresh
            logger.info("spilled run {} is stored into a new run {}", line.scrape_run_id, fresh)
            return _Target(fresh, reason=line.reason, fresh=True)
        if line.origin is None:
            logger.warning("spilled run {} has no origin (an older file): not checked", line.scrape_run_id)
            return _Target(line.scrape_run_id, reason=line.reason)
        why = _mismatch(line.scrape_run_id, line.origin, await runs.origin(run_id=line.scrape_run_id))
    if why is not None:
        return _Target(None, refused=f"refused: {why} (--force-new-run stores it into a new run)")
    return _Target(line.scrape_run_id, reason=line.reason)


async def replay_spill_file(
    pool: asyncpg.Pool[Any], path: Path, *, force_new_run: bool = False
) -> ReplayReport:
    """Store every batch of ``path``; see the module docstring. Raises ``OSError`` if it cannot be read."""
    report = ReplayReport()
    targets: dict[int, _Target] = {}
    for item in read_batches(path):
        if isinstance(item, SpillLineError):
            report.errors[item.line_number] = item.message
            logger.warning("{} line {}: {}", path.name, item.line_number, item.message)
            continue
        target = targets.get(item.scrape_run_id)
        if target is None:
            try:
                target = await _target(pool, item, force_new_run=force_new_run, report=report)
            except DB_FAILURES as exc:
                report.errors[item.line_number] = f"not stored: {describe(exc)}"
                continue
            targets[item.scrape_run_id] = target
        target.lines += 1
        if target.run_id is None:
            report.errors[item.line_number] = target.refused
            continue
        into = target.run_id

        async def store(line: SpilledBatch = item, run_id: int = into) -> StoreResult:
            async with pool.acquire() as conn:
                return await store_batch(conn, line.batch, run_id)

        try:
            result = await retry_transient(store, REPLAY_RETRY, transient=is_transient_db_error)
        except DB_FAILURES as exc:  # refused (e.g. no such run) or unavailable: this line only
            report.errors[item.line_number] = f"not stored: {describe(exc)}"
            continue
        target.stored += 1
        report.batches += 1
        report.events_stored += result.events_stored
        report.snapshots_created += result.snapshots_created
        report.markets_stored += result.markets_stored
    async with pool.acquire() as conn:
        runs = ScrapeRunsRepository(conn)
        for spilled_id, target in targets.items():
            if target.run_id is None or (not target.stored and not target.fresh):
                continue  # a new run is closed even when nothing could be stored into it
            await _bring_up_to_date(runs, path, spilled_id, target, report)
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


async def _bring_up_to_date(
    runs: ScrapeRunsRepository, path: Path, spilled_id: int, target: _Target, report: ReplayReport
) -> None:
    assert target.run_id is not None
    run_id = target.run_id
    reason = "created by replay" if target.fresh else f"{target.reason}; finalized by replay"
    counters = await runs.recompute_counters(run_id=run_id, reason=reason)
    if counters is None:
        return
    run = await runs.get(run_id=run_id)
    whole = target.stored == target.lines
    status = RunStatus.PARTIAL if whole else RunStatus.FAILED
    note = f"{path.name}: {target.stored} of {target.lines} spilled batch(es) stored"
    if target.fresh:
        base = f"created by replay of run {spilled_id}'s spilled batches"
    else:
        base = (run.error if run is not None and run.error else "").split(_REPLAY_NOTE, 1)[0]
    await runs.record_replay(run_id=run_id, status=status, error=f"{base}{_REPLAY_NOTE}{note}")
    report.runs[run_id] = attrs.evolve(counters, status=status.value)
