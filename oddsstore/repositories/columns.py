"""Column bundles for bulk writes: one list per column, rows aligned by position.

Each bundle is what one bulk statement takes as typed arrays (``unnest``). They are plain mutable
containers filled by ``oddsstore.storage.batch`` and handed to a repository method; JSON columns hold text
already encoded (orjson), so the statements cast ``text -> jsonb`` themselves and work whatever
codecs the caller's connection has.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

import attrs


@attrs.define(slots=True)
class EventColumns:
    """BetPawa events (``events`` + ``tournaments``); unique by ``sportradar_id``."""

    sportradar_id: list[str] = attrs.field(factory=list)
    betpawa_event_id: list[str] = attrs.field(factory=list)
    home_team: list[str] = attrs.field(factory=list)
    away_team: list[str] = attrs.field(factory=list)
    kickoff: list[datetime] = attrs.field(factory=list)
    tournament: list[str | None] = attrs.field(factory=list)
    country: list[str | None] = attrs.field(factory=list)
    tournament_external_id: list[str | None] = attrs.field(factory=list)
    observed_at: list[datetime | None] = attrs.field(factory=list)  # when these facts were scraped

    def __len__(self) -> int:
        return len(self.sportradar_id)


@attrs.define(slots=True)
class CompetitorEventColumns:
    """SportyBet/Bet9ja events (``competitor_events`` + ``competitor_tournaments``); unique by
    ``(source, external_id)``."""

    source: list[str] = attrs.field(factory=list)
    external_id: list[str] = attrs.field(factory=list)
    sportradar_id: list[str] = attrs.field(factory=list)
    home_team: list[str] = attrs.field(factory=list)
    away_team: list[str] = attrs.field(factory=list)
    kickoff: list[datetime] = attrs.field(factory=list)
    tournament: list[str | None] = attrs.field(factory=list)
    country: list[str | None] = attrs.field(factory=list)
    tournament_external_id: list[str | None] = attrs.field(factory=list)
    observed_at: list[datetime | None] = attrs.field(factory=list)  # when these facts were scraped

    def __len__(self) -> int:
        return len(self.source)


@attrs.define(slots=True)
class SnapshotColumns:
    """Snapshots of one table. ``owner_id`` is the ``events.id`` (BetPawa) or ``competitor_events.id``."""

    owner_id: list[int] = attrs.field(factory=list)
    captured_at: list[datetime | None] = attrs.field(factory=list)
    timing_ms: list[int] = attrs.field(factory=list)
    markets_seen: list[int] = attrs.field(factory=list)
    markets_mapped: list[int] = attrs.field(factory=list)
    markets_stored: list[int] = attrs.field(factory=list)  # markets accepted into the snapshot
    skipped_json: list[str] = attrs.field(factory=list)  # parser's reason -> count
    rejected_json: list[str] = attrs.field(factory=list)  # storage's reason -> count

    def __len__(self) -> int:
        return len(self.owner_id)


# A market's identity within an event and site: (market_id, line, handicap_type, handicap_home,
# handicap_away); its shape: (market_name, outcome names in order, groups or None).
MarketKey: TypeAlias = tuple[str, float | None, str | None, float | None, float | None]
MarketShape: TypeAlias = tuple[str, tuple[str, ...], tuple[str, ...] | None]


@attrs.define(slots=True)
class MarketColumns:
    """Accepted markets of one snapshot table. ``snapshot_ord`` is the 1-based position of the market's
    snapshot in the ``SnapshotColumns`` built with it; ``odds`` holds the prices in stored form (see
    ``oddsstore.repositories.odds_codec``: outcome order, an inactive price negated)."""

    snapshot_ord: list[int] = attrs.field(factory=list)
    key: list[MarketKey] = attrs.field(factory=list)
    shape: list[MarketShape] = attrs.field(factory=list)
    odds: list[bytes] = attrs.field(factory=list)

    def __len__(self) -> int:
        return len(self.key)


@attrs.define(slots=True)
class StatusColumns:
    """``event_scrape_status`` rows of one run."""

    sportradar_id: list[str] = attrs.field(factory=list)
    status: list[str] = attrs.field(factory=list)
    requested_json: list[str] = attrs.field(factory=list)
    scraped_json: list[str] = attrs.field(factory=list)
    failed_json: list[str] = attrs.field(factory=list)
    timing_ms: list[int] = attrs.field(factory=list)
    error_details_json: list[str | None] = attrs.field(factory=list)

    def __len__(self) -> int:
        return len(self.sportradar_id)
