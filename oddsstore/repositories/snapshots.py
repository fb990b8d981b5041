"""Odds snapshots, BetPawa (``odds_snapshots``) and competitors (``competitor_odds_snapshots``).

A snapshot is one event on one site in one run: timing and the parser's and storage's counters
(``markets_stored``: the markets it holds). Its markets live in ``odds_history`` (see
``oddsstore.repositories.history``).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from oddsstore.db import Connection, load_sql
from oddsstore.repositories.columns import SnapshotColumns

_INSERT_ODDS = load_sql("snapshots/insert_odds_snapshots")
_INSERT_COMPETITOR = load_sql("snapshots/insert_competitor_snapshots")


@attrs.frozen(slots=True)
class CreatedSnapshot:
    """A snapshot just created: its owner row (``events.id`` or ``competitor_events.id``), its capture
    time, and whether a later snapshot of the same event and site was stored already (``late``)."""

    owner_id: int
    captured_at: datetime
    late: bool = False


class SnapshotsRepository:
    """Bulk snapshot writes. Takes the caller's connection (the caller owns the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _insert(
        self, query: str, run_id: int, snapshots: SnapshotColumns
    ) -> dict[int, CreatedSnapshot]:
        if not len(snapshots):
            return {}
        records = await self._conn.fetch(
            query,
            run_id,
            snapshots.owner_id,
            snapshots.captured_at,
            snapshots.timing_ms,
            snapshots.markets_seen,
            snapshots.markets_mapped,
            snapshots.markets_stored,
            snapshots.skipped_json,
            snapshots.rejected_json,
        )
        return {
            r["owner_id"]: CreatedSnapshot(
                owner_id=r["owner_id"], captured_at=r["captured_at"], late=r["late"]
            )
            for r in records
        }

    async def insert_odds_snapshot_rows(
        self, *, run_id: int, snapshots: SnapshotColumns
    ) -> dict[int, CreatedSnapshot]:
        """Insert BetPawa snapshots; return those created by ``events.id``. A snapshot existing for
        (event, run) is skipped."""
        return await self._insert(_INSERT_ODDS, run_id, snapshots)

    async def insert_competitor_snapshot_rows(
        self, *, run_id: int, snapshots: SnapshotColumns
    ) -> dict[int, CreatedSnapshot]:
        """Insert competitor snapshots; return those created by ``competitor_events.id``."""
        return await self._insert(_INSERT_COMPETITOR, run_id, snapshots)
