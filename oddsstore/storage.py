"""``store_batch``: one scraped batch into PostgreSQL in one transaction, with one status row per event.

The work is split in two:

1. ``build_batch_rows(batch)`` (pure, no I/O): validates every market, encodes outcomes with orjson and
   lays the batch out as column lists, one bundle per bulk statement, plus each event's status row.
2. ``store_batch(conn, batch, run_id)``: five bulk statements in one transaction: upsert BetPawa events,
   upsert competitor events, insert BetPawa snapshots + markets, insert competitor snapshots + markets,
   insert the status rows. Snapshots are unique per (event, site, run), so storing the same batch twice
   for the same run writes nothing the second time and reports 0 snapshots created.
"""

from __future__ import annotations

from typing import Any

import attrs
import orjson
from loguru import logger

from oddsstore.db import Connection
from oddsstore.models import ALL_PLATFORMS, EventOdds, Platform, ScrapeBatch, ScrapedEvent, StoreResult
from oddsstore.repositories.columns import (
    CompetitorEventColumns,
    EventColumns,
    MarketColumns,
    SnapshotColumns,
    StatusColumns,
)
from oddsstore.repositories.events import EventsRepository
from oddsstore.repositories.scrape_status import ScrapeStatusRepository
from oddsstore.repositories.snapshots import SnapshotsRepository
from oddsstore.validation import (
    event_facts_problem,
    format_rejections,
    market_problem,
    sportradar_id_problem,
)

__all__ = ["BatchRows", "SnapshotBatch", "build_batch_rows", "store_batch"]

_dumps = orjson.dumps
_NO_RESULT = "no result returned"


@attrs.define(slots=True)
class SnapshotBatch:
    """Snapshots and markets bound for one table pair; ``keys[i]`` names the owner of snapshot ``i``."""

    snapshots: SnapshotColumns = attrs.field(factory=SnapshotColumns)
    markets: MarketColumns = attrs.field(factory=MarketColumns)
    keys: list[Any] = attrs.field(factory=list)  # sportradar id (BetPawa) or (source, external id)
    market_counts: list[int] = attrs.field(factory=list)  # markets accepted per snapshot

    def add_snapshot(self, key: Any, event: ScrapedEvent, timing_ms: int, odds: EventOdds) -> dict[str, int]:
        """Append one snapshot and its acceptable markets; return the refused markets by reason."""
        ordinal = len(self.keys) + 1
        rejected: dict[str, int] = {}
        m = self.markets
        ord_append = m.snapshot_ord.append
        id_append = m.market_id.append
        name_append = m.market_name.append
        line_append = m.line.append
        htype_append = m.handicap_type.append
        hhome_append = m.handicap_home.append
        haway_append = m.handicap_away.append
        outcomes_append = m.outcomes_json.append
        groups_append = m.groups_json.append
        accepted = 0
        for market in odds.markets:
            reason = market_problem(market)
            if reason is not None:
                rejected[reason] = rejected.get(reason, 0) + 1
                continue
            accepted += 1
            ord_append(ordinal)
            id_append(market.market_id)
            name_append(market.market_name)
            line_append(market.line)
            htype_append(market.handicap_type)
            hhome_append(market.handicap_home)
            haway_append(market.handicap_away)
            outcomes_append(
                _dumps(
                    [{"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in market.outcomes]
                ).decode()
            )
            groups = market.groups
            groups_append(None if groups is None else _dumps(groups).decode())
        s = self.snapshots
        s.owner_id.append(0)  # filled in once the owner rows are upserted
        s.captured_at.append(event.scraped_at)
        s.timing_ms.append(timing_ms)
        s.markets_seen.append(odds.markets_seen)
        s.markets_mapped.append(odds.markets_mapped)
        s.skipped_json.append(_dumps(dict(odds.skipped)).decode())
        s.rejected_json.append(_dumps(rejected).decode())
        self.keys.append(key)
        self.market_counts.append(accepted)
        return rejected

    def bind_owners(self, ids: dict[Any, int]) -> None:
        """Set ``owner_id`` of every snapshot from the upserted rows' ids."""
        self.snapshots.owner_id = [ids[key] for key in self.keys]

    def markets_of(self, created_owner_ids: list[int]) -> int:
        """Markets accepted in the snapshots actually created."""
        created = set(created_owner_ids)
        return sum(
            n
            for owner, n in zip(self.snapshots.owner_id, self.market_counts, strict=True)
            if owner in created
        )


@attrs.define(slots=True)
class BatchRows:
    """A batch laid out as column bundles, ready for the bulk statements."""

    events: EventColumns = attrs.field(factory=EventColumns)
    competitor_events: CompetitorEventColumns = attrs.field(factory=CompetitorEventColumns)
    betpawa: SnapshotBatch = attrs.field(factory=SnapshotBatch)
    competitors: SnapshotBatch = attrs.field(factory=SnapshotBatch)
    statuses: StatusColumns = attrs.field(factory=StatusColumns)
    errors: list[str] = attrs.field(factory=list)

    def _add_event_facts(self, platform: Platform, sportradar_id: str, odds: EventOdds) -> None:
        cols: EventColumns | CompetitorEventColumns
        if platform is Platform.BETPAWA:
            cols = self.events
            cols.betpawa_event_id.append(odds.platform_event_id)
        else:
            cols = self.competitor_events
            cols.source.append(platform.value)
            cols.external_id.append(odds.platform_event_id)
        cols.sportradar_id.append(sportradar_id)
        cols.home_team.append(odds.home_team)
        cols.away_team.append(odds.away_team)
        cols.kickoff.append(odds.kickoff)
        cols.tournament.append(odds.tournament)
        cols.country.append(odds.country)
        cols.tournament_external_id.append(odds.tournament_id)

    def add_event(self, event: ScrapedEvent, seen_keys: set[Any]) -> None:
        sr_id = event.sportradar_id
        scraped: set[Platform] = set()
        failed: set[Platform] = set()
        details: dict[str, str] = {}

        def fail(platform: Platform, message: str) -> None:
            failed.add(platform)
            details[platform.value] = message
            self.errors.append(f"{sr_id} {platform.value}: {message}")

        for result in event.results:
            platform = result.platform
            if platform in scraped or platform in failed:
                self.errors.append(f"{sr_id} {platform.value}: duplicate site result ignored")
                continue
            odds = result.odds
            if odds is None:
                fail(platform, result.error or "unknown error")
                continue
            problem = event_facts_problem(odds)
            key: Any = sr_id if platform is Platform.BETPAWA else (platform.value, odds.platform_event_id)
            if problem is None and key in seen_keys:
                problem = f"platform event id {odds.platform_event_id} already in this batch"
            if problem is not None:
                fail(platform, problem)
                continue
            seen_keys.add(key)
            self._add_event_facts(platform, sr_id, odds)
            target = self.betpawa if platform is Platform.BETPAWA else self.competitors
            rejected = target.add_snapshot(key, event, result.timing_ms, odds)
            scraped.add(platform)
            if rejected:
                details[platform.value] = format_rejections(rejected)
                self.errors.append(f"{sr_id} {platform.value}: {details[platform.value]}")
        for platform in event.platforms_requested:
            if platform not in scraped and platform not in failed:
                fail(platform, _NO_RESULT)

        st = self.statuses
        st.sportradar_id.append(sr_id)
        st.status.append("completed" if scraped else "failed")
        st.requested_json.append(_dumps([p.value for p in event.platforms_requested]).decode())
        st.scraped_json.append(_dumps(_ordered(scraped)).decode())
        st.failed_json.append(_dumps(_ordered(failed)).decode())
        st.timing_ms.append(event.timing_ms)
        st.error_details_json.append(_dumps(details).decode() if details else None)


def _ordered(platforms: set[Platform]) -> list[str]:
    return [p.value for p in ALL_PLATFORMS if p in platforms]


def build_batch_rows(batch: ScrapeBatch) -> BatchRows:
    """Validate and lay out a batch as column bundles (pure; no I/O).

    An event whose SportRadar id cannot key a row, or that repeats an id already in the batch, is left
    out with an error line; everything else gets exactly one status row.
    """
    rows = BatchRows()
    seen_events: set[str] = set()
    seen_keys: set[Any] = set()
    for event in batch.events:
        problem = sportradar_id_problem(event.sportradar_id)
        if problem is None and event.sportradar_id in seen_events:
            problem = "duplicate event in batch ignored"
        if problem is not None:
            rows.errors.append(f"{event.sportradar_id!r}: {problem}")
            continue
        seen_events.add(event.sportradar_id)
        rows.add_event(event, seen_keys)
    return rows


async def store_batch(conn: Connection, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult:
    """Store one batch for run ``scrape_run_id`` in one transaction and return what was written.

    ``events_stored`` counts the status rows written, ``snapshots_created`` the snapshots written and
    ``markets_stored`` their markets; rows that existed already for this run (a retried batch) are
    neither written again nor counted. ``errors`` has one line per failed site, per site with refused
    markets, and per event left out. ``conn`` may be a plain asyncpg connection: no codec is assumed.
    """
    rows = build_batch_rows(batch)
    async with conn.transaction():
        events = EventsRepository(conn)
        snapshots = SnapshotsRepository(conn)
        rows.betpawa.bind_owners(await events.upsert_events(rows=rows.events))
        rows.competitors.bind_owners(await events.upsert_competitor_events(rows=rows.competitor_events))
        created_betpawa = await snapshots.insert_odds_snapshots(
            run_id=scrape_run_id, snapshots=rows.betpawa.snapshots, markets=rows.betpawa.markets
        )
        created_competitors = await snapshots.insert_competitor_snapshots(
            run_id=scrape_run_id, snapshots=rows.competitors.snapshots, markets=rows.competitors.markets
        )
        written = await ScrapeStatusRepository(conn).insert_statuses(run_id=scrape_run_id, rows=rows.statuses)
    result = StoreResult(
        events_stored=len(written),
        snapshots_created=len(created_betpawa) + len(created_competitors),
        markets_stored=rows.betpawa.markets_of(created_betpawa)
        + rows.competitors.markets_of(created_competitors),
        errors=tuple(rows.errors),
    )
    logger.debug(
        "batch {} stored for run {}: {} events, {} snapshots, {} markets, {} errors",
        batch.batch_index,
        scrape_run_id,
        result.events_stored,
        result.snapshots_created,
        result.markets_stored,
        len(result.errors),
    )
    return result
