"""Odds snapshots and their markets, BetPawa and competitors.

Two write paths: the snapshots through ``unnest`` followed by ``COPY`` of the markets of the
snapshots created (the default where the connection's jsonb codec takes JSON text as is), or one
statement per table pair (snapshots + markets through ``unnest``), which works whatever the codec.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oddsstore.db import Connection, load_sql
from oddsstore.repositories.columns import MarketColumns, SnapshotColumns

_INSERT_ODDS = load_sql("snapshots/insert_odds_snapshots_with_markets")
_INSERT_COMPETITOR = load_sql("snapshots/insert_competitor_snapshots_with_markets")
_INSERT_ODDS_ONLY = load_sql("snapshots/insert_odds_snapshots")
_INSERT_COMPETITOR_ONLY = load_sql("snapshots/insert_competitor_snapshots")
_PROBE_JSONB_TEXT = load_sql("snapshots/probe_jsonb_text_codec")

# Column order of the records given to the COPY methods.
MARKET_COPY_COLUMNS = (
    "snapshot_id",
    "market_id",
    "market_name",
    "line",
    "handicap_type",
    "handicap_home",
    "handicap_away",
    "outcomes",
    "groups",
)


class SnapshotsRepository:
    """Bulk snapshot writes. Takes the caller's connection (the caller owns the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def jsonb_takes_text(self) -> bool:
        """Whether the connection's jsonb codec sends a ``str`` as JSON text (so ``COPY`` may be used)."""
        kind = await self._conn.fetchval(_PROBE_JSONB_TEXT, "[]")
        return bool(kind == "array")

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

    async def _insert_only(self, query: str, run_id: int, snapshots: SnapshotColumns) -> dict[int, int]:
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
            snapshots.skipped_json,
            snapshots.rejected_json,
        )
        return {r["owner_id"]: r["id"] for r in records}

    async def insert_odds_snapshot_rows(self, *, run_id: int, snapshots: SnapshotColumns) -> dict[int, int]:
        """Insert BetPawa snapshots only; return ``events.id -> snapshot id`` of those created."""
        return await self._insert_only(_INSERT_ODDS_ONLY, run_id, snapshots)

    async def insert_competitor_snapshot_rows(
        self, *, run_id: int, snapshots: SnapshotColumns
    ) -> dict[int, int]:
        """Insert competitor snapshots only; return ``competitor_events.id -> snapshot id`` (created)."""
        return await self._insert_only(_INSERT_COMPETITOR_ONLY, run_id, snapshots)

    async def copy_market_odds(self, *, records: Iterable[tuple[Any, ...]]) -> None:
        """``COPY`` market rows (``MARKET_COPY_COLUMNS`` order, outcomes/groups as JSON text) into
        ``market_odds``."""
        await self._conn.copy_records_to_table("market_odds", records=records, columns=MARKET_COPY_COLUMNS)

    async def copy_competitor_market_odds(self, *, records: Iterable[tuple[Any, ...]]) -> None:
        """``COPY`` market rows into ``competitor_market_odds``."""
        await self._conn.copy_records_to_table(
            "competitor_market_odds", records=records, columns=MARKET_COPY_COLUMNS
        )
