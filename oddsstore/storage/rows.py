"""A scraped batch laid out as column bundles for the bulk statements (pure: no I/O).

``plan_batch(batch)`` walks the batch once without touching markets: it decides which site results
become snapshots (and which count as failed), gathers the event facts for the upserts and keeps one
status record per event. ``BatchPlan.snapshots(...)`` then validates and encodes the markets of one
snapshot table (per-market refusals are recorded on the event's status), and
``BatchPlan.status_columns()`` gives the status rows once every table has been built. Splitting the
work this way lets ``store_batch`` build one table's rows while PostgreSQL writes the previous one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs
import orjson

from oddsstore.models import ALL_PLATFORMS, EventOdds, Platform, ScrapeBatch, ScrapedEvent
from oddsstore.repositories.columns import (
    CompetitorEventColumns,
    EventColumns,
    MarketColumns,
    MarketKey,
    SnapshotColumns,
    StatusColumns,
)
from oddsstore.repositories.odds_codec import encode_odds
from oddsstore.storage.validation import (
    DUPLICATE_MARKET,
    clean_event_facts,
    clean_message,
    format_rejections,
    market_problem,
    sportradar_id_problem,
)

__all__ = ["BatchPlan", "SnapshotBatch", "plan_batch"]

_dumps = orjson.dumps
_NO_RESULT = "no result returned"


@attrs.define(slots=True)
class SnapshotBatch:
    """Snapshots and markets bound for one snapshot table; ``keys[i]`` names the owner of snapshot ``i``
    and ``platforms[i]`` its site."""

    snapshots: SnapshotColumns = attrs.field(factory=SnapshotColumns)
    markets: MarketColumns = attrs.field(factory=MarketColumns)
    keys: list[Any] = attrs.field(factory=list)  # sportradar id (BetPawa) or (source, external id)
    platforms: list[Platform] = attrs.field(factory=list)
    market_counts: list[int] = attrs.field(factory=list)  # markets accepted per snapshot

    def add_snapshot(self, key: Any, event: ScrapedEvent, timing_ms: int, odds: EventOdds) -> dict[str, int]:
        """Append one snapshot and its acceptable markets; return the refused markets by reason.

        A market whose key (market id, line, handicap) repeats one already accepted in the same
        snapshot is refused as ``duplicate_market``: a snapshot holds one state per key."""
        ordinal = len(self.keys) + 1
        rejected: dict[str, int] = {}
        m = self.markets
        ord_append = m.snapshot_ord.append
        key_append = m.key.append
        shape_append = m.shape.append
        odds_append = m.odds.append
        seen: set[MarketKey] = set()
        accepted = 0
        for market in odds.markets:
            reason = market_problem(market)
            market_key: MarketKey = (
                market.market_id,
                market.line,
                market.handicap_type,
                market.handicap_home,
                market.handicap_away,
            )
            if reason is None and market_key in seen:
                reason = DUPLICATE_MARKET
            if reason is not None:
                rejected[reason] = rejected.get(reason, 0) + 1
                continue
            seen.add(market_key)
            accepted += 1
            outcomes = market.outcomes
            groups = market.groups
            ord_append(ordinal)
            key_append(market_key)
            shape_append(
                (
                    market.market_name,
                    tuple(o.name for o in outcomes),
                    None if groups is None else tuple(groups),
                )
            )
            odds_append(encode_odds([float(o.odds) if o.is_active else -float(o.odds) for o in outcomes]))
        s = self.snapshots
        s.owner_id.append(0)  # set by bind_owners once the owner rows are upserted
        s.captured_at.append(event.scraped_at)
        s.timing_ms.append(timing_ms)
        s.markets_seen.append(odds.markets_seen)
        s.markets_mapped.append(odds.markets_mapped)
        s.markets_stored.append(accepted)
        s.skipped_json.append(_dumps(dict(odds.skipped)).decode())
        s.rejected_json.append(_dumps(rejected).decode())
        self.keys.append(key)
        self.platforms.append(odds.platform)
        self.market_counts.append(accepted)
        return rejected

    def bind_owners(self, ids: dict[Any, int]) -> None:
        """Set ``owner_id`` of every snapshot from the upserted rows' ids."""
        self.snapshots.owner_id = [ids[key] for key in self.keys]

    def markets_by_snapshot(self) -> list[range]:
        """For snapshot ``i``, the positions of its markets in ``markets`` (they are contiguous)."""
        spans: list[range] = []
        start = 0
        for count in self.market_counts:
            spans.append(range(start, start + count))
            start += count
        return spans

    def markets_of(self, created_owner_ids: Iterable[int]) -> int:
        """Markets accepted in the snapshots actually created."""
        created = set(created_owner_ids)
        pairs = zip(self.snapshots.owner_id, self.market_counts, strict=True)
        return sum(n for owner, n in pairs if owner in created)


@attrs.define(slots=True)
class _EventStatus:
    event: ScrapedEvent
    scraped: set[Platform] = attrs.field(factory=set)
    failed: set[Platform] = attrs.field(factory=set)
    details: dict[str, str] = attrs.field(factory=dict)


@attrs.define(slots=True)
class _Site:
    key: Any
    status: _EventStatus
    platform: Platform
    timing_ms: int
    odds: EventOdds


def _ordered(platforms: set[Platform]) -> list[str]:
    return [p.value for p in ALL_PLATFORMS if p in platforms]


@attrs.define(slots=True)
class BatchPlan:
    """What a batch will write: event facts, the site results that become snapshots, status records."""

    events: EventColumns = attrs.field(factory=EventColumns)
    competitor_events: CompetitorEventColumns = attrs.field(factory=CompetitorEventColumns)
    betpawa_sites: list[_Site] = attrs.field(factory=list)
    competitor_sites: list[_Site] = attrs.field(factory=list)
    statuses: list[_EventStatus] = attrs.field(factory=list)
    errors: list[str] = attrs.field(factory=list)

    def _add_facts(
        self, platform: Platform, sportradar_id: str, odds: EventOdds, observed_at: datetime | None
    ) -> None:
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
        cols.observed_at.append(observed_at)  # an upsert never goes back to an older observation

    def _fail(self, status: _EventStatus, platform: Platform, message: str) -> None:
        status.failed.add(platform)
        self._note(status, platform, message)

    def _note(self, status: _EventStatus, platform: Platform, message: str) -> None:
        """Record ``message`` on the event's status for ``platform`` (after any earlier note)."""
        message = clean_message(message)
        earlier = status.details.get(platform.value)
        status.details[platform.value] = f"{earlier}; {message}" if earlier else message
        self.errors.append(f"{status.event.sportradar_id} {platform.value}: {message}")

    def add_event(self, event: ScrapedEvent, seen_keys: set[Any]) -> None:
        sr_id = event.sportradar_id
        status = _EventStatus(event)
        self.statuses.append(status)
        for result in event.results:
            platform = result.platform
            if platform in status.scraped or platform in status.failed:
                self.errors.append(f"{sr_id} {platform.value}: duplicate site result ignored")
                continue
            odds = result.odds
            if odds is None:
                self._fail(status, platform, result.error or "unknown error")
                continue
            cleaned, note = clean_event_facts(odds, event.scraped_at)
            if cleaned is None:
                self._fail(status, platform, note)
                continue
            odds = cleaned
            key: Any = sr_id if platform is Platform.BETPAWA else (platform.value, odds.platform_event_id)
            if key in seen_keys:
                clash = f"platform event id {odds.platform_event_id} already in this batch"
                self._fail(status, platform, clash)
                continue
            if note:
                self._note(status, platform, note)
            seen_keys.add(key)
            self._add_facts(platform, sr_id, odds, event.scraped_at)
            site = _Site(key, status, platform, result.timing_ms, odds)
            (self.betpawa_sites if platform is Platform.BETPAWA else self.competitor_sites).append(site)
            status.scraped.add(platform)
        for platform in event.platforms_requested:
            if platform not in status.scraped and platform not in status.failed:
                self._fail(status, platform, _NO_RESULT)

    def _add_site(self, target: SnapshotBatch, site: _Site) -> None:
        rejected = target.add_snapshot(site.key, site.status.event, site.timing_ms, site.odds)
        if rejected:
            self._note(site.status, site.platform, format_rejections(rejected))

    def snapshots(self, sites: list[_Site]) -> SnapshotBatch:
        """Validate and encode the markets of ``sites`` (``betpawa_sites`` or ``competitor_sites``)."""
        target = SnapshotBatch()
        for site in sites:
            self._add_site(target, site)
        return target

    async def snapshots_cooperatively(self, sites: list[_Site]) -> SnapshotBatch:
        """``snapshots`` that yields to the event loop after each snapshot, so a statement already
        sent on the connection keeps flowing while this one is built."""
        target = SnapshotBatch()
        for site in sites:
            self._add_site(target, site)
            await asyncio.sleep(0)
        return target

    def status_columns(self) -> StatusColumns:
        """One status row per event; call after every snapshot table has been built."""
        st = StatusColumns()
        for status in self.statuses:
            event = status.event
            st.sportradar_id.append(event.sportradar_id)
            st.status.append("completed" if status.scraped else "failed")
            st.requested_json.append(_dumps([p.value for p in event.platforms_requested]).decode())
            st.scraped_json.append(_dumps(_ordered(status.scraped)).decode())
            st.failed_json.append(_dumps(_ordered(status.failed)).decode())
            st.timing_ms.append(event.timing_ms)
            st.error_details_json.append(_dumps(status.details).decode() if status.details else None)
        return st


def plan_batch(batch: ScrapeBatch) -> BatchPlan:
    """First pass over a batch (markets untouched).

    An event whose SportRadar id cannot key a row, or that repeats an id already in the batch, is left
    out with an error line; every other event gets exactly one status record.
    """
    plan = BatchPlan()
    seen_events: set[str] = set()
    seen_keys: set[Any] = set()
    for event in batch.events:
        problem = sportradar_id_problem(event.sportradar_id)
        if problem is None and event.sportradar_id in seen_events:
            problem = "duplicate event in batch ignored"
        if problem is not None:
            plan.errors.append(clean_message(f"{event.sportradar_id!r}: {problem}"))
            continue
        seen_events.add(event.sportradar_id)
        plan.add_event(event, seen_keys)
    return plan
