"""Event rows: BetPawa ``events`` and ``competitor_events``, with their tournaments."""

from __future__ import annotations

from datetime import datetime

from oddsstore.db import Connection, load_sql
from oddsstore.repositories.columns import CompetitorEventColumns, EventColumns

_UPSERT_EVENTS = load_sql("events/upsert_events")
_UPSERT_COMPETITOR_EVENTS = load_sql("events/upsert_competitor_events")


def _observed(observed_at: list[datetime | None], rows: int) -> list[datetime | None]:
    """The observation time of each row (``None`` where unknown: such a row neither moves a fact back
    nor is held back by a newer one)."""
    return observed_at if len(observed_at) == rows else [None] * rows


class EventsRepository:
    """Upserts of event rows from a batch's own data. Takes the caller's connection.

    The facts of a row (teams, kickoff, ...) are replaced only by an observation at least as recent as
    the one they came from (``observed_at``): a late replay of an old spill file never moves them back.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def upsert_events(self, *, rows: EventColumns) -> dict[str, int]:
        """Upsert BetPawa tournaments and events; return ``sportradar_id -> events.id``."""
        if not len(rows):
            return {}
        records = await self._conn.fetch(
            _UPSERT_EVENTS,
            rows.sportradar_id,
            rows.betpawa_event_id,
            rows.home_team,
            rows.away_team,
            rows.kickoff,
            rows.tournament,
            rows.country,
            rows.tournament_external_id,
            _observed(rows.observed_at, len(rows)),
        )
        return {r["sportradar_id"]: r["id"] for r in records}

    async def upsert_competitor_events(self, *, rows: CompetitorEventColumns) -> dict[tuple[str, str], int]:
        """Upsert competitor tournaments and events; return ``(source, external_id) -> id``."""
        if not len(rows):
            return {}
        records = await self._conn.fetch(
            _UPSERT_COMPETITOR_EVENTS,
            rows.source,
            rows.external_id,
            rows.sportradar_id,
            rows.home_team,
            rows.away_team,
            rows.kickoff,
            rows.tournament,
            rows.country,
            rows.tournament_external_id,
            _observed(rows.observed_at, len(rows)),
        )
        return {(r["source"], r["external_id"]): r["id"] for r in records}
