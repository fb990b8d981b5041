"""Growth kept bounded: day partitions created ahead, and retention by dropping whole partitions.

``maintain(conn, retention_days=30)`` does both in one transaction:

- creates the day partitions (UTC) of ``odds_history``, the snapshot tables and ``event_scrape_status``
  from yesterday to ``days_ahead`` days ahead (``store_batch`` also creates a missing one on demand,
  so a batch never fails for lack of a partition; creating them ahead keeps that DDL out of the
  stores);
- with ``retention_days`` > 0, drops every partition whose day ended more than ``retention_days`` days
  ago (cut at the start of a UTC day) and deletes the finished runs that started before the cut.
  Before that, the state that the dropped history still carries for events scraped after the cut is
  written again at each such event's first later snapshot (``checkpoint_rows``), so every as-of read
  at or after the cut is unchanged. ``current_odds`` and the catalogues are never touched: an event
  long over keeps its closing line there. ``retention_days=0`` keeps everything.

Then, each in a transaction of its own, it compacts up to ``compact`` (1) closed day partitions of
``odds_history`` not compacted yet, the newest first (``oddsstore_compact_history``, migration 0008):
their rows rewritten in the order the reads take them (event, site, key, time), so an event's
history of a day lies on a few pages instead of one page a cycle. Reads of that day go on meanwhile;
a late replay's write to it waits until the rewrite ends.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import attrs

from oddsstore.db import Connection
from oddsstore.models import utcnow
from oddsstore.repositories.maintenance import MaintenanceRepository

__all__ = [
    "DEFAULT_COMPACT",
    "DEFAULT_DAYS_AHEAD",
    "DEFAULT_RETENTION_DAYS",
    "MaintenanceResult",
    "maintain",
    "retention_cutoff",
]

DEFAULT_RETENTION_DAYS = 30
DEFAULT_DAYS_AHEAD = 7
DEFAULT_COMPACT = 1  # closed day partitions of the history compacted per call (the newest first)


@attrs.frozen(slots=True)
class MaintenanceResult:
    """What ``maintain`` did. ``cutoff`` is None when retention is off (``retention_days=0``)."""

    partitions_created: int
    cutoff: datetime | None
    checkpoint_rows: int
    partitions_dropped: tuple[str, ...]
    runs_deleted: int
    drop_ms: float  # time spent dropping the partitions
    partitions_compacted: tuple[str, ...] = ()
    compact_ms: float = 0.0  # time spent compacting them

    def to_dict(self) -> dict[str, object]:
        return {
            "partitions_created": self.partitions_created,
            "cutoff": None if self.cutoff is None else self.cutoff.isoformat(),
            "checkpoint_rows": self.checkpoint_rows,
            "partitions_dropped": list(self.partitions_dropped),
            "runs_deleted": self.runs_deleted,
            "drop_ms": round(self.drop_ms, 2),
            "partitions_compacted": list(self.partitions_compacted),
            "compact_ms": round(self.compact_ms, 2),
        }


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """The start of the UTC day ``retention_days`` days before ``now``'s day."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=retention_days)


async def maintain(
    conn: Connection,
    *,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    days_ahead: int = DEFAULT_DAYS_AHEAD,
    compact: int = DEFAULT_COMPACT,
    now: datetime | None = None,
) -> MaintenanceResult:
    """Create partitions ahead and apply retention, in one transaction; then compact up to
    ``compact`` closed day partitions of the history, each in a transaction of its own (see the
    module doc)."""
    if retention_days < 0 or days_ahead < 0 or compact < 0:
        raise ValueError("retention_days, days_ahead and compact must be >= 0")
    repo = MaintenanceRepository(conn)
    now = now or utcnow()
    async with conn.transaction():
        created = await repo.ensure_partitions(days_back=1, days_ahead=days_ahead)
        if retention_days == 0:
            cutoff, checkpoint, dropped, drop_ms, runs = None, 0, [], 0.0, 0
        else:
            cutoff = retention_cutoff(now, retention_days)
            checkpoint = await repo.checkpoint_history(before=cutoff)
            started = time.perf_counter()
            dropped = await repo.drop_partitions_before(before=cutoff)
            drop_ms = (time.perf_counter() - started) * 1000
            runs = await repo.delete_runs_before(before=cutoff)
    started = time.perf_counter()
    compacted = await _compact(repo, conn, now, cutoff, compact)
    compact_ms = (time.perf_counter() - started) * 1000 if compacted else 0.0
    return MaintenanceResult(
        created, cutoff, checkpoint, tuple(dropped), runs, drop_ms, compacted, compact_ms
    )


async def _compact(
    repo: MaintenanceRepository, conn: Connection, now: datetime, cutoff: datetime | None, limit: int
) -> tuple[str, ...]:
    if limit == 0:
        return ()
    today = retention_cutoff(now, 0)
    names = await repo.history_to_compact(
        ended_by=today, from_day=cutoff or datetime(1, 1, 1, tzinfo=UTC), limit=limit
    )
    for name in names:
        async with conn.transaction():
            await repo.compact_history(partition=name)
    return tuple(names)
