"""Odds snapshots and their markets, BetPawa and competitors, written in one statement per table pair."""

from __future__ import annotations

from oddsstore.db import Connection, load_sql
from oddsstore.repositories.columns import MarketColumns, SnapshotColumns

_INSERT_ODDS = load_sql("snapshots/insert_odds_snapshots_with_markets")
_INSERT_COMPETITOR = load_sql("snapshots/insert_competitor_snapshots_with_markets")


class SnapshotsRepository:
    """Bulk snapshot writes. Takes the caller's connection (the caller owns the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _insert(
        self, query: str, run_id: int, snapshots: SnapshotColumns, markets: MarketColumns
    ) -> list[int]:
        if not len(snapshots):
            return []
        records = await self._conn.fetch(
            query,
            run_id,
            snapshots.owner_id,
            snapshots.captured_at,
            snapshots.timing_ms,
            snapshots.markets_seen,
            snapshots.markets_mapped,
            snapshots.skipped_json,
            snapshots.rejected_json,
            markets.snapshot_ord,
            markets.market_id,
            markets.market_name,
            markets.line,
            markets.handicap_type,
            markets.handicap_home,
            markets.handicap_away,
            markets.outcomes_json,
            markets.groups_json,
        )
        return [r["owner_id"] for r in records]

    async def insert_odds_snapshots(
        self, *, run_id: int, snapshots: SnapshotColumns, markets: MarketColumns
    ) -> list[int]:
        """Insert BetPawa snapshots and their markets; return the ``events.id`` of snapshots created.

        A snapshot that exists already for (event, run) is skipped together with its markets."""
        return await self._insert(_INSERT_ODDS, run_id, snapshots, markets)

    async def insert_competitor_snapshots(
        self, *, run_id: int, snapshots: SnapshotColumns, markets: MarketColumns
    ) -> list[int]:
        """Insert competitor snapshots and markets; return the ``competitor_events.id`` of those created."""
        return await self._insert(_INSERT_COMPETITOR, run_id, snapshots, markets)
