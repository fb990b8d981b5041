"""``event_scrape_status``: one row per event and run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs
import orjson

from oddsstore.db import Connection, load_sql
from oddsstore.models import EventScrapeStatus
from oddsstore.repositories.columns import StatusColumns

_INSERT = load_sql("scrape_status/insert_event_scrape_statuses")
_SELECT_FOR_RUN = load_sql("scrape_status/select_statuses_for_run")
_COUNT_FOR_RUN = load_sql("scrape_status/count_statuses_for_run")
_AVAILABILITY = load_sql("scrape_status/select_availability")


@attrs.frozen(slots=True)
class SiteHour:
    """One site in one UTC hour, from the status rows: events asked for, returned and failed, and the
    failures by reason (most frequent first)."""

    hour: datetime
    site: str
    requested: int
    scraped: int
    failed: int
    reasons: tuple[tuple[str, int], ...] = ()

    def to_dict(self, top: int | None = None) -> dict[str, object]:
        reasons = self.reasons if top is None else self.reasons[:top]
        return {
            "hour": self.hour.isoformat(),
            "site": self.site,
            "requested": self.requested,
            "scraped": self.scraped,
            "failed": self.failed,
            "top_reasons": [{"reason": r, "events": n} for r, n in reasons],
        }


@attrs.frozen(slots=True)
class ScrapeStatusCounts:
    """Status rows of one run: how many per status, and how many events failed on each platform."""

    by_status: Mapping[str, int]
    failed_by_platform: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


class ScrapeStatusRepository:
    """Writes and reads ``event_scrape_status``. Takes the caller's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def insert_statuses(self, *, run_id: int, rows: StatusColumns) -> list[str]:
        """Insert one row per event; rows existing for (run, event) are left alone.

        Returns the sportradar ids of the rows actually written."""
        if not len(rows):
            return []
        records = await self._conn.fetch(
            _INSERT,
            run_id,
            rows.sportradar_id,
            rows.status,
            rows.requested_json,
            rows.scraped_json,
            rows.failed_json,
            rows.timing_ms,
            rows.error_details_json,
        )
        return [r["sportradar_id"] for r in records]

    async def list_for_run(self, *, run_id: int) -> list[EventScrapeStatus]:
        """Every status row of a run, in insertion order."""
        records = await self._conn.fetch(_SELECT_FOR_RUN, run_id)
        return [
            EventScrapeStatus(
                id=r["id"],
                scrape_run_id=r["scrape_run_id"],
                sportradar_id=r["sportradar_id"],
                status=r["status"],
                platforms_requested=tuple(orjson.loads(r["platforms_requested"])),
                platforms_scraped=tuple(orjson.loads(r["platforms_scraped"])),
                platforms_failed=tuple(orjson.loads(r["platforms_failed"])),
                timing_ms=r["timing_ms"],
                error_details=None if r["error_details"] is None else orjson.loads(r["error_details"]),
                created_at=r["created_at"],
            )
            for r in records
        ]

    async def counts_for_run(self, *, run_id: int) -> ScrapeStatusCounts:
        """Rows by status and failures by platform for one run."""
        by_status: dict[str, int] = {}
        failed: dict[str, int] = {}
        for r in await self._conn.fetch(_COUNT_FOR_RUN, run_id):
            (by_status if r["kind"] == "status" else failed)[r["key"]] = r["n"]
        return ScrapeStatusCounts(by_status=by_status, failed_by_platform=failed)

    async def availability(self, *, since: datetime) -> list[SiteHour]:
        """Per UTC hour and site since ``since`` (status rows created then), in hour and site order."""
        out: dict[tuple[datetime, str], SiteHour] = {}
        reasons: dict[tuple[datetime, str], list[tuple[str, int]]] = {}
        for r in await self._conn.fetch(_AVAILABILITY, since):
            key = (r["hour"], r["site"])
            if r["kind"] == "site":
                out[key] = SiteHour(r["hour"], r["site"], r["requested"], r["scraped"], r["failed"])
            else:
                reasons.setdefault(key, []).append((r["reason"], r["failed"]))
        return [attrs.evolve(row, reasons=tuple(reasons.get(key, ()))) for key, row in out.items()]
