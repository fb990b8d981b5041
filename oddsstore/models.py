"""The shared vocabulary: frozen, slotted attrs classes that every room may import.

Rules kept by every class here:
- times are aware UTC ``datetime`` objects (a naive one is refused at construction);
- collections are tuples (or read-only mappings by convention) so that instances stay immutable;
- nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import attrs


class Platform(enum.StrEnum):
    """The three bookmakers. The value is the ``bookmakers.slug`` stored in PostgreSQL."""

    BETPAWA = "betpawa"
    SPORTYBET = "sportybet"
    BET9JA = "bet9ja"


ALL_PLATFORMS: tuple[Platform, ...] = (Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind of datetime oddsstore uses)."""
    return datetime.now(UTC)


def _aware_utc(_instance: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{attribute.name} must be an aware UTC datetime, got {value!r}")


def _optional_aware_utc(
    instance: object, attribute: attrs.Attribute[datetime], value: datetime | None
) -> None:
    if value is not None:
        _aware_utc(instance, attribute, value)


# --- discovery -------------------------------------------------------------------------------------


@attrs.frozen(slots=True)
class DiscoveredEvent:
    """One upcoming event as one site's discovery lists it."""

    platform: Platform
    sportradar_id: str
    platform_event_id: str
    kickoff: datetime = attrs.field(validator=_aware_utc)
    home_team: str
    away_team: str
    tournament: str | None = None
    tournament_id: str | None = None
    country: str | None = None


@attrs.frozen(slots=True)
class EventTarget:
    """One event merged across sites by SportRadar id: what the coordinator scrapes."""

    sportradar_id: str
    kickoff: datetime = attrs.field(validator=_aware_utc)
    platform_ids: Mapping[Platform, str]  # platform -> that site's event id
    home_team: str = ""
    away_team: str = ""

    @property
    def platforms(self) -> tuple[Platform, ...]:
        return tuple(p for p in ALL_PLATFORMS if p in self.platform_ids)


# --- odds ------------------------------------------------------------------------------------------


@attrs.frozen(slots=True)
class Outcome:
    name: str
    odds: float
    is_active: bool = True


@attrs.frozen(slots=True)
class Market:
    """One normalised market (BetPawa taxonomy). Identity within an event and site: (market_id, line)."""

    market_id: str
    market_name: str
    outcomes: tuple[Outcome, ...]
    line: float | None = None
    handicap_type: str | None = None  # None, "asian" or "european"
    handicap_home: float | None = None
    handicap_away: float | None = None
    groups: tuple[str, ...] | None = None


@attrs.frozen(slots=True)
class EventOdds:
    """One event on one site: its facts and its normalised markets, plus what the parser skipped."""

    platform: Platform
    sportradar_id: str
    platform_event_id: str
    kickoff: datetime = attrs.field(validator=_aware_utc)
    home_team: str
    away_team: str
    markets: tuple[Market, ...]
    tournament: str | None = None
    tournament_id: str | None = None
    country: str | None = None
    markets_seen: int = 0  # source markets (or rows / odds-key groups) in the payload
    markets_mapped: int = 0  # normalised markets produced
    skipped: Mapping[str, int] = attrs.field(factory=dict)  # reason -> count


# --- a scraped batch (coordinator -> storage) ------------------------------------------------------


@attrs.frozen(slots=True)
class SiteResult:
    """What one site gave for one event: its odds, or an error message. Exactly one of the two is set."""

    platform: Platform
    odds: EventOdds | None = None
    error: str | None = None
    timing_ms: int = 0

    def __attrs_post_init__(self) -> None:
        if (self.odds is None) == (self.error is None):
            raise ValueError("SiteResult needs exactly one of odds or error")


@attrs.frozen(slots=True)
class ScrapedEvent:
    """One event of a batch: the sites asked, each site's result, and the event's wall-clock timing."""

    sportradar_id: str
    platforms_requested: tuple[Platform, ...]
    results: tuple[SiteResult, ...]
    timing_ms: int = 0
    scraped_at: datetime | None = attrs.field(default=None, validator=_optional_aware_utc)


@attrs.frozen(slots=True)
class ScrapeBatch:
    """The unit handed to storage: one transaction."""

    events: tuple[ScrapedEvent, ...]
    batch_index: int = 0


# --- storage results and rows read back ------------------------------------------------------------


@attrs.frozen(slots=True)
class StoreResult:
    """What storing one batch wrote.

    ``events_stored``: status rows written; ``snapshots_created``: snapshots written (one per event and
    site that returned it); ``markets_stored``: the markets those snapshots hold (a full snapshot's
    worth, what reading them back gives); ``history_rows``: rows written to the change-only history
    (markets first seen, changed, closed, back again), at most ``markets_stored`` plus the closings;
    ``current_rows``: the ``current_odds`` rows those changes added, updated or deleted (one per history
    row, except for a late snapshot of an older run, which leaves the current state alone).
    """

    events_stored: int
    snapshots_created: int
    markets_stored: int
    errors: tuple[str, ...] = ()  # human-readable: one line per failed site or rejected-market group
    history_rows: int = 0
    current_rows: int = 0  # current_odds rows the history rows brought along (added, updated, deleted)


@attrs.frozen(slots=True)
class EventScrapeStatus:
    """One ``event_scrape_status`` row."""

    id: int
    scrape_run_id: int
    sportradar_id: str
    status: str  # "completed" or "failed"
    platforms_requested: tuple[str, ...]
    platforms_scraped: tuple[str, ...]
    platforms_failed: tuple[str, ...]
    timing_ms: int
    error_details: Mapping[str, str] | None
    created_at: datetime = attrs.field(validator=_aware_utc)


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"


@attrs.frozen(slots=True)
class ScrapeRun:
    """One ``scrape_runs`` row."""

    id: int
    status: RunStatus
    trigger: str
    started_at: datetime = attrs.field(validator=_aware_utc)
    finished_at: datetime | None = attrs.field(default=None, validator=_optional_aware_utc)
    heartbeat_at: datetime | None = attrs.field(default=None, validator=_optional_aware_utc)
    events_total: int = 0
    events_scraped: int = 0
    events_failed: int = 0
    snapshots_created: int = 0
    markets_stored: int = 0
    history_rows: int = 0  # rows written to odds_history by the run's batches
    discovery: Mapping[str, int] = attrs.field(factory=dict)  # platform -> events discovered
    error: str | None = None
