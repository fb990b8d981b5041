"""Partitions and retention: day partitions created ahead, old ones dropped whole."""

from __future__ import annotations

from datetime import datetime

import attrs

from oddsstore.db import Connection, load_sql

_AHEAD = load_sql("maintenance/ensure_partitions_ahead")
_CHECKPOINT = load_sql("maintenance/checkpoint_history")
_DROP = load_sql("maintenance/drop_partitions_before")
_DELETE_RUNS = load_sql("maintenance/delete_runs_before")
_LIST = load_sql("maintenance/list_partitions")
_TO_COMPACT = load_sql("maintenance/history_to_compact")
_COMPACT = load_sql("maintenance/compact_history")


@attrs.frozen(slots=True)
class Partition:
    """One day partition of a partitioned table."""

    parent: str
    name: str
    bytes: int
    bounds: str


class MaintenanceRepository:
    """Partition DDL and retention statements. Takes the caller's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def ensure_partitions(self, *, days_back: int, days_ahead: int) -> int:
        """Create the missing day partitions from ``days_back`` before today to ``days_ahead`` after."""
        return int(await self._conn.fetchval(_AHEAD, days_back, days_ahead))

    async def checkpoint_history(self, *, before: datetime) -> int:
        """Write again, after ``before``, the state the rows to be dropped still carry; return rows."""
        return int(await self._conn.fetchval(_CHECKPOINT, before))

    async def drop_partitions_before(self, *, before: datetime) -> list[str]:
        """Drop the day partitions ending at or before ``before``; return their names."""
        return [r["name"] for r in await self._conn.fetch(_DROP, before)]

    async def delete_runs_before(self, *, before: datetime) -> int:
        """Delete the finished runs started before ``before``; return how many."""
        status = await self._conn.execute(_DELETE_RUNS, before)
        return int(status.rsplit(" ", 1)[-1])

    async def history_to_compact(self, *, ended_by: datetime, from_day: datetime, limit: int) -> list[str]:
        """The closed day partitions of the history not compacted yet, newest first."""
        return [r["name"] for r in await self._conn.fetch(_TO_COMPACT, ended_by, from_day, limit)]

    async def compact_history(self, *, partition: str) -> int:
        """Rewrite one closed day partition of the history sorted by (event, site, key, time)."""
        return int(await self._conn.fetchval(_COMPACT, partition))

    async def partitions(self) -> list[Partition]:
        return [Partition(**dict(r)) for r in await self._conn.fetch(_LIST)]
