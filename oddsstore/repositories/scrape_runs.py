"""``scrape_runs``: a run's lifecycle, its counters, and the advisory lock that keeps cycles apart."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import asyncpg
import attrs
import orjson

from oddsstore.db import Connection, load_sql
from oddsstore.models import RunStatus, ScrapeRun

_INSERT = load_sql("scrape_runs/insert_scrape_run")
_SELECT = load_sql("scrape_runs/select_scrape_run")
_LATEST_FINISHED = load_sql("scrape_runs/select_latest_finished_run")
_HEARTBEAT = load_sql("scrape_runs/update_heartbeat")
_DISCOVERY = load_sql("scrape_runs/update_discovery")
_ADD_COUNTERS = load_sql("scrape_runs/add_batch_counters")
_FINISH = load_sql("scrape_runs/finish_scrape_run")
_RECOMPUTE = load_sql("scrape_runs/recompute_counters")
_FAIL_ABANDONED = load_sql("scrape_runs/fail_abandoned_runs")
_TRY_LOCK = load_sql("scrape_runs/try_cycle_lock")
_RELEASE_LOCK = load_sql("scrape_runs/release_cycle_lock")
_LOCK_HOLDER = load_sql("scrape_runs/select_lock_holder")
_CLAIM = load_sql("scrape_runs/claim_run")
_ORIGIN = load_sql("scrape_runs/select_run_origin")
_RECORD_REPLAY = load_sql("scrape_runs/record_replay")

# Key of the session-level advisory lock held by a running cycle (any fixed bigint; "odds" in ASCII).
CYCLE_LOCK_KEY = 0x6F646473


@attrs.frozen(slots=True)
class RunOrigin:
    """Where a run lives: the cluster (``system_identifier``), the database and the run's start time."""

    system_identifier: str
    database: str
    started_at: datetime | None


@attrs.frozen(slots=True)
class RunCounters:
    """A run's counters as its rows say (``recompute_counters``), and its status after that."""

    status: str
    events_scraped: int
    events_failed: int
    snapshots_created: int
    markets_stored: int
    history_rows: int


def _run(r: asyncpg.Record) -> ScrapeRun:
    return ScrapeRun(
        id=r["id"],
        status=RunStatus(r["status"]),
        trigger=r["trigger"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        heartbeat_at=r["heartbeat_at"],
        events_total=r["events_total"],
        events_scraped=r["events_scraped"],
        events_failed=r["events_failed"],
        snapshots_created=r["snapshots_created"],
        markets_stored=r["markets_stored"],
        history_rows=r["history_rows"],
        discovery=orjson.loads(r["discovery"]),
        error=r["error"],
    )


class ScrapeRunsRepository:
    """Run rows. Takes the caller's connection; the cycle lock belongs to that connection's session."""

    def __init__(self, conn: Connection, *, lock_key: int = CYCLE_LOCK_KEY) -> None:
        self._conn = conn
        self._lock_key = lock_key

    async def create(self, *, trigger: str) -> ScrapeRun:
        """Start a run (status ``running``)."""
        record = await self._conn.fetchrow(_INSERT, trigger)
        assert record is not None
        return _run(record)

    async def get(self, *, run_id: int) -> ScrapeRun | None:
        record = await self._conn.fetchrow(_SELECT, run_id)
        return None if record is None else _run(record)

    async def latest_finished(self) -> ScrapeRun | None:
        """The run that finished last (any status), or ``None`` before the first one."""
        record = await self._conn.fetchrow(_LATEST_FINISHED)
        return None if record is None else _run(record)

    async def heartbeat(self, *, run_id: int) -> None:
        """Mark a running run alive now."""
        await self._conn.execute(_HEARTBEAT, run_id)

    async def set_discovery(self, *, run_id: int, discovery: Mapping[str, int], events_total: int) -> None:
        """Record events discovered per platform and the number of merged events to scrape."""
        await self._conn.execute(_DISCOVERY, run_id, orjson.dumps(dict(discovery)).decode(), events_total)

    async def add_batch_counters(
        self,
        *,
        run_id: int,
        events_scraped: int,
        events_failed: int,
        snapshots_created: int,
        markets_stored: int,
        history_rows: int = 0,
    ) -> None:
        """Add one stored batch's counters to the run."""
        await self._conn.execute(
            _ADD_COUNTERS,
            run_id,
            events_scraped,
            events_failed,
            snapshots_created,
            markets_stored,
            history_rows,
        )

    async def finish(
        self,
        *,
        run_id: int,
        status: RunStatus,
        events_total: int | None = None,
        events_scraped: int | None = None,
        events_failed: int | None = None,
        snapshots_created: int | None = None,
        markets_stored: int | None = None,
        error: str | None = None,
        history_rows: int | None = None,
    ) -> ScrapeRun:
        """Close a run. Counters left ``None`` keep the values accumulated by ``add_batch_counters``."""
        if status is RunStatus.RUNNING:
            raise ValueError("a run cannot finish as 'running'")
        record = await self._conn.fetchrow(
            _FINISH,
            run_id,
            status.value,
            events_total,
            events_scraped,
            events_failed,
            snapshots_created,
            markets_stored,
            error,
            history_rows,
        )
        if record is None:
            raise LookupError(f"no scrape run {run_id}")
        return _run(record)

    async def fail_abandoned_runs(
        self, *, except_run_id: int, reason: str, stale_after_s: float = 0.0
    ) -> int:
        """Finish as ``failed`` (with ``reason``) every ``running`` run but ``except_run_id`` whose
        recorded lock backend is gone, or whose heartbeat is older than ``stale_after_s``, and whose
        backend does not hold the cycle lock; return how many.

        Only safe while holding the cycle lock: then no other cycle is alive to finish its own run.
        """
        status = await self._conn.execute(
            _FAIL_ABANDONED, except_run_id, reason, stale_after_s, self._lock_key
        )
        return int(status.rsplit(" ", 1)[-1])

    async def claim(self, *, run_id: int) -> bool:
        """Record this session's backend as the holder of the running run's lock; ``False`` if the run
        is not ``running`` (another cycle closed it)."""
        status = await self._conn.execute(_CLAIM, run_id)
        return status.rsplit(" ", 1)[-1] != "0"

    async def origin(self, *, run_id: int) -> RunOrigin:
        """The database's identity and the run's start time (``None`` if there is no such run)."""
        record = await self._conn.fetchrow(_ORIGIN, run_id)
        assert record is not None
        return RunOrigin(record["system_identifier"], record["database"], record["started_at"])

    async def record_replay(self, *, run_id: int, status: RunStatus, error: str) -> None:
        """Say on a finished run what a replay stored (status and error)."""
        await self._conn.execute(_RECORD_REPLAY, run_id, status.value, error[:2000])

    async def recompute_counters(self, *, run_id: int, reason: str) -> RunCounters | None:
        """Set the run's counters from its rows (status and snapshot rows, market rows); a run still
        ``running`` is closed as ``failed`` with ``reason``. ``None`` if there is no such run."""
        record = await self._conn.fetchrow(_RECOMPUTE, run_id, reason[:2000])
        return None if record is None else RunCounters(**dict(record))

    async def try_cycle_lock(self) -> bool:
        """Take the cycle lock for this connection's session without waiting; ``False`` if held elsewhere."""
        return bool(await self._conn.fetchval(_TRY_LOCK, self._lock_key))

    async def release_cycle_lock(self) -> bool:
        """Release the cycle lock; ``False`` if this session did not hold it."""
        return bool(await self._conn.fetchval(_RELEASE_LOCK, self._lock_key))

    async def lock_holder(self) -> int | None:
        """The backend pid holding the cycle lock, ``None`` if nobody does."""
        pid = await self._conn.fetchval(_LOCK_HOLDER, self._lock_key)
        return None if pid is None else int(pid)
